import { InputError } from '../errors.js';
import { createMatrix, row, type Matrix } from '../matrix.js';
import type { Explanation } from './explanation.js';
import { allCoalitions, MAX_VARYING_FEATURES, sampleCoalitions } from './kernel-sampling.js';
import { solveKernelShap } from './kernel-solve.js';
import { logit, predictGame, type ProbabilityModel } from './probability-model.js';
import { rowRandom } from './rng.js';

export interface KernelShapOptions {
  /** Coalitions per row; a row where only M features differ from the baseline uses at most 2^M - 2, all of them. */
  numSamples: number;
  /** Explain log-odds: the logit of the mean probability over the baseline rows. Else the probability itself. */
  useLogit: boolean;
  seed: number;
  /**
   * The index of the first row of `x` in the whole batch. Each row draws its coalitions from (seed, batch index),
   * so a chunk of a batch gets exactly the values the whole batch would.
   * @default 0
   */
  firstRow?: number;
}

const identity = (p: number) => p;

/**
 * Kernel SHAP as SageMaker Clarify runs it (the `shap` library's KernelExplainer, without L1 feature
 * selection), against a baseline of one or more rows. A feature left out of a coalition takes the baseline's
 * value; the model's value for a coalition is its probability averaged over the baseline rows, then put
 * through the link (logit when `useLogit`). Only features that differ from the baseline take part; the values
 * are the constrained weighted least squares fit, so they add up to f(x) - E[f(x)] exactly.
 * Needs only the model's `predict`; uses its exact coalition fast path when it has one.
 */
export function kernelShap(
  model: ProbabilityModel,
  x: Matrix,
  baseline: Matrix,
  options: KernelShapOptions,
): Explanation {
  if (baseline.cols !== x.cols || baseline.rows === 0) {
    throw new RangeError(`the baseline is ${baseline.rows} x ${baseline.cols}; the rows have ${x.cols} features`);
  }
  const units = options.useLogit ? 'log-odds' : 'probability';
  const link = options.useLogit ? logit : identity;
  const firstRow = options.firstRow ?? 0;
  const probabilities = model.predict(x);
  const baselineProbabilities = model.predict(baseline);
  let meanBaseline = 0;
  for (const probability of baselineProbabilities) meanBaseline += probability;
  const expectedValue = link(meanBaseline / baseline.rows);

  const values = createMatrix(x.rows, x.cols);
  const predictions = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const features = row(x, r);
    predictions[r] = link(probabilities[r]!);
    const varying = varyingFeatures(features, baseline);
    const total = predictions[r]! - expectedValue;
    if (varying.length === 0) continue;
    if (varying.length === 1) {
      values.data[r * x.cols + varying[0]!] = total;
      continue;
    }
    if (varying.length > MAX_VARYING_FEATURES) {
      throw new InputError(
        `${varying.length} features differ from the baseline; Kernel SHAP here handles at most ${MAX_VARYING_FEATURES}`,
        { row: firstRow + r + 1 },
      );
    }

    const budget = Math.min(options.numSamples, allCoalitions(varying.length));
    const sample = sampleCoalitions(varying.length, budget, rowRandom(options.seed, firstRow + r));
    const game =
      model.coalitionGame?.(features, baseline, varying, units) ??
      predictGame(model, features, baseline, varying, units);
    const gains = new Float64Array(sample.count);
    game(sample, gains);
    for (let i = 0; i < sample.count; i++) gains[i]! -= expectedValue;

    const phi = solveKernelShap(sample, gains, varying.length, total);
    varying.forEach((feature, j) => (values.data[r * x.cols + feature] = phi[j]!));
  }
  return { values, expectedValue, predictions, units };
}

/**
 * The features whose value in `x` differs from their value in some baseline row. A missing value equals a
 * missing value. Exact comparison, where the `shap` library allows a relative 1e-5: a feature that differs
 * at all can change the model's output, and Kernel SHAP must see it to converge to the exact values.
 */
export function varyingFeatures(x: ArrayLike<number>, baseline: Matrix): Int32Array {
  const varying: number[] = [];
  for (let c = 0; c < baseline.cols; c++) {
    const value = x[c]!;
    for (let r = 0; r < baseline.rows; r++) {
      const other = baseline.data[r * baseline.cols + c]!;
      if (value !== other && !(Number.isNaN(value) && Number.isNaN(other))) {
        varying.push(c);
        break;
      }
    }
  }
  return Int32Array.from(varying);
}
