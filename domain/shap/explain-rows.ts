import { InputError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { XGBoostModel } from '../xgboost-model.js';
import { baselineShap } from './baseline-shap.js';
import type { ExplainMethod } from './clarify-config.js';
import type { Explanation } from './explanation.js';
import { kernelShap } from './kernel-shap.js';
import { treeShap } from './tree-shap.js';
import { xgboostProbabilityModel } from './tree-coalitions.js';

/** What decides the values of a row, whatever chunk it is computed in. */
export interface ExplainSettings {
  method: ExplainMethod;
  numSamples: number;
  useLogit: boolean;
  seed: number;
}

/** A range of rows of a batch: a chunk, computed on its own. */
export interface RowRange {
  firstRow: number;
  rows: number;
}

/**
 * Explains some rows of a batch with the configured method. Kernel SHAP gives probabilities, or log-odds with
 * `useLogit`; TreeSHAP (path-dependent, the values xgboost's pred_contribs gives, with no baseline) and the
 * exact baseline method always give log-odds.
 * @param baseline the baseline rows; TreeSHAP, which integrates features out along the training covers, has none
 * @param firstRow the index of `rows`' first row in the batch, from which Kernel SHAP seeds each row's sampling
 */
export function explainRows(
  model: XGBoostModel,
  rows: Matrix,
  baseline: Matrix | undefined,
  settings: ExplainSettings,
  firstRow: number,
): Explanation {
  if (settings.method === 'tree') return treeShap(model, rows);
  if (baseline === undefined) throw new RangeError(`the ${settings.method} method needs a baseline`);
  if (settings.method === 'kernel') {
    return kernelShap(xgboostProbabilityModel(model), rows, baseline, { ...settings, firstRow });
  }
  return baselineShap(model, rows, baseline);
}

/** Splits `total` rows into chunks of at most `chunkRows`, in order. */
export function planChunks(total: number, chunkRows: number): RowRange[] {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunk size ${chunkRows} is not >= 1`);
  const chunks: RowRange[] = [];
  for (let firstRow = 0; firstRow < total; firstRow += chunkRows) {
    chunks.push({ firstRow, rows: Math.min(chunkRows, total - firstRow) });
  }
  return chunks;
}

/**
 * The rows of a range, sharing memory with `features`. A range outside the rows is an {@link InputError}
 * naming `field`, rows counted from 0.
 */
export function sliceRows(features: Matrix, range: RowRange, field = 'rows'): Matrix {
  checkRowRange(range, features.rows, field);
  const { firstRow, rows } = range;
  const cols = features.cols;
  return { rows, cols, data: features.data.subarray(firstRow * cols, (firstRow + rows) * cols) };
}

/** Throws an {@link InputError} naming `field` unless the range lies within `total` rows, counted from 0. */
export function checkRowRange(range: RowRange, total: number, field = 'rows'): void {
  const { firstRow, rows } = range;
  if (!Number.isInteger(firstRow) || !Number.isInteger(rows) || firstRow < 0 || rows < 1) {
    throw new InputError(`rows ${firstRow} to ${firstRow + rows - 1} are not a range of rows`, { field });
  }
  if (firstRow + rows > total) {
    const last = firstRow + rows - 1;
    throw new InputError(
      `rows ${firstRow} to ${last} are out of range: there are ${total} rows, 0 to ${total - 1}`,
      { field },
      'Count rows from 0',
    );
  }
}
