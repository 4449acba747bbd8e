import type { Matrix } from '../matrix.js';

/** The units SHAP values are in: log-odds (the model's margin) or probability. */
export type ShapUnits = 'log-odds' | 'probability';

/**
 * Local SHAP values for a set of records. Additivity holds per row:
 * `expectedValue + sum(values[row]) === predictions[row]`, all in `units`.
 */
export interface Explanation {
  /** One row per explained record, in input order; one column per feature, in schema order. */
  values: Matrix;
  /** E[f(x)]: the value every explanation starts from. */
  expectedValue: number;
  /** f(x) of each record. */
  predictions: Float64Array;
  units: ShapUnits;
}
