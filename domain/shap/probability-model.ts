import { createMatrix, type Matrix } from '../matrix.js';

/**
 * The model's mean output over the baseline rows for each of `count` coalitions: `out[i]` is the mean
 * probability when the varying features whose bits are set in `masks[i]` take the explained row's values and
 * every other feature takes the baseline row's.
 */
export type CoalitionGame = (masks: Int32Array, count: number, out: Float64Array) => void;

/** What Kernel SHAP needs of a model: probabilities of the positive class for rows of features. */
export interface ProbabilityModel {
  numFeatures: number;
  predict(rows: Matrix): Float64Array;
  /**
   * An optional faster way to evaluate many coalitions of one row, which must give what {@link predictGame}
   * gives through `predict`.
   * @param varying the indices of the features that differ from the baseline; bit j of a mask stands for varying[j]
   */
  coalitionGame?(x: ArrayLike<number>, baseline: Matrix, varying: Int32Array): CoalitionGame;
}

/** Coalitions per call to `predict`, times the baseline rows: large enough to amortise the call, small in memory. */
const BLOCK = 512;

/** Evaluates coalitions through the model's `predict` alone: synthetic rows, then the mean over baseline rows. */
export function predictGame(
  model: ProbabilityModel,
  x: ArrayLike<number>,
  baseline: Matrix,
  varying: Int32Array,
): CoalitionGame {
  const cols = baseline.cols;
  const k = baseline.rows;
  return (masks, count, out) => {
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
        out[i] = sum / k;
      }
    }
  };
}
