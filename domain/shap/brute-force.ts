import { row, type Matrix } from '../matrix.js';
import { predictMargin, type XGBoostModel } from '../xgboost-model.js';

/** A game's value for a coalition of players, given as a bit mask: bit i set means player i is in. */
export type CoalitionValue = (coalition: number) => number;

/** Enumerating more players than this takes too long to be useful. */
export const MAX_ENUMERATED_PLAYERS = 24;

/**
 * Exact Shapley values by enumerating all 2^players coalitions: player i gets the sum over coalitions S without i
 * of |S|!(M-|S|-1)!/M! (v(S with i) - v(S)). Meant as a reference for the faster methods.
 */
export function bruteForceShapley(players: number, value: CoalitionValue): Float64Array {
  if (!Number.isInteger(players) || players < 1 || players > MAX_ENUMERATED_PLAYERS) {
    throw new RangeError(`players must be an integer from 1 to ${MAX_ENUMERATED_PLAYERS}, not ${players}`);
  }
  const coalitions = 2 ** players;
  const values = new Float64Array(coalitions);
  const sizes = new Uint8Array(coalitions);
  for (let mask = 0; mask < coalitions; mask++) {
    values[mask] = value(mask);
    if (mask > 0) sizes[mask] = sizes[mask >> 1]! + (mask & 1);
  }

  // weights[s] = s!(M-s-1)!/M!, built from weights[0] = 1/M by the ratio s/(M-s).
  const weights = new Float64Array(players);
  weights[0] = 1 / players;
  for (let s = 1; s < players; s++) weights[s] = (weights[s - 1]! * s) / (players - s);

  const phi = new Float64Array(players);
  for (let mask = 0; mask < coalitions; mask++) {
    const weight = weights[sizes[mask]!] ?? 0;
    for (let i = 0; i < players; i++) {
      const bit = 1 << i;
      if ((mask & bit) === 0) phi[i]! += weight * (values[mask | bit]! - values[mask]!);
    }
  }
  return phi;
}

/**
 * The baseline game of a model for row `x`: v(S) is the mean, over the baseline rows, of f in log-odds at the row
 * that takes x's values for the features in S and the baseline row's values for the others.
 */
export function baselineGame(model: XGBoostModel, x: ArrayLike<number>, baseline: Matrix): CoalitionValue {
  const mixed = new Float64Array(baseline.cols);
  return (coalition) => {
    let total = 0;
    for (let r = 0; r < baseline.rows; r++) {
      const b = row(baseline, r);
      for (let i = 0; i < mixed.length; i++) mixed[i] = (coalition >> i) & 1 ? x[i]! : b[i]!;
      total += predictMargin(model, mixed);
    }
    return total / baseline.rows;
  };
}
