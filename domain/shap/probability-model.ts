import { createMatrix, type Matrix } from '../matrix.js';
import type { ShapUnits } from './explanation.js';

/** The coalitions of one row a game is evaluated on; coalition i + 1 is the complement of i where `pairedWithNext`. */
export interface Coalitions {
  masks: Int32Array;
  pairedWithNext: Uint8Array;
  count: number;
}

/**
 * The model's value for each coalition, in the explained units: `out[i]` is the probability averaged over the
 * baseline rows when the varying features whose bits are set in `masks[i]` take the explained row's values and every
 * other feature takes the baseline row's, or the logit of that mean in log-odds.
 */
export type CoalitionGame = (coalitions: Coalitions, out: Float64Array) => void;

/** What Kernel SHAP needs of a model: probabilities of the positive class for rows of features. */
export interface ProbabilityModel {
  numFeatures: number;
  predict(rows: Matrix): Float64Array;
  /**
   * An optional faster way to evaluate many coalitions of one row, which must give what {@link predictGame}
   * gives through `predict`.
   * @param varying the indices of the features that differ from the baseline; bit j of a mask stands for varying[j]
   */
  coalitionGame?(x: ArrayLike<number>, baseline: Matrix, varying: Int32Array, units: ShapUnits): CoalitionGame;
}

export const logit = (p: number) => Math.log(p / (1 - p));

/** Coalitions per call to `predict`, times the baseline rows: large enough to amortise the call, small in memory. */
const BLOCK = 512;

/** Evaluates coalitions through the model's `predict` alone: synthetic rows, then the mean over baseline rows. */
export function predictGame(
  model: ProbabilityModel,
  x: ArrayLike<number>,
  baseline: Matrix,
  varying: Int32Array,
  units: ShapUnits,
): CoalitionGame {
  const cols = baseline.cols;
  const k = baseline.rows;
  return ({ masks, count }, out) => {
    for (let start = 0; start < count; start += BLOCK) {
      const end = Math.min(count, start + BLOCK);
      const rows = createMatrix((end - start) * k, cols);
      for (let i = start; i < end; i++) {
        const mask = masks[i]!;
        for (let b = 0; b < k; b++) {
          const offset = ((i - start) * k + b) * cols;
          rows.data.set(baseline.data.subarray(b * cols, (b + 1) * cols), offset);
          for (let j = 0; j < varying.length; j++) {
            if ((mask >>> j) & 1) rows.data[offset + varying[j]!] = x[varying[j]!]!;
          }
        }
      }
      const probabilities = model.predict(rows);
      for (let i = start; i < end; i++) {
        let sum = 0;
        for (let b = 0; b < k; b++) sum += probabilities[(i - start) * k + b]!;
        out[i] = units === 'log-odds' ? logit(sum / k) : sum / k;
      }
    }
  };
}
