import { parseNumericCsv } from '../csv.js';
import { InputError } from '../errors.js';
import { createMatrix, type Matrix } from '../matrix.js';
import { FEATURE_NAMES, FEATURES, type FeatureSpec } from '../schema.js';
import type { BaselineSpec } from './clarify-config.js';
import { MEDIAN_PASSES, StreamingMedians } from './streaming-median.js';

export type FeatureKind = FeatureSpec['kind'];

/** The kinds of a model's features: the schema's for the 14 Adult features, numeric for any other width. */
export function featureKinds(numFeatures: number): FeatureKind[] {
  return numFeatures === FEATURES.length
    ? FEATURES.map((feature) => feature.kind)
    : Array.from({ length: numFeatures }, () => 'numeric' as const);
}

/**
 * The baseline used when the configuration gives none: one row that is typical of `data`. A numeric feature
 * takes its median (the mean of the two middle values for an even count), a categorical feature its most
 * frequent code (the smallest code on a tie); missing values are left out of both, and a feature missing in
 * every row is missing in the baseline too. `data` is the batch being explained, or any reference set.
 */
export function computeBaseline(data: Matrix, kinds: readonly FeatureKind[]): Matrix {
  const baseline = createMatrix(1, data.cols);
  for (let c = 0; c < data.cols; c++) {
    const column: number[] = [];
    for (let r = 0; r < data.rows; r++) {
      const value = data.data[r * data.cols + c]!;
      if (!Number.isNaN(value)) column.push(value);
    }
    baseline.data[c] = kinds[c] === 'categorical' ? mostFrequent(countValues(column)) : median(column);
  }
  return baseline;
}

/**
 * {@link computeBaseline}, bit for bit, over data too large to hold: `read()` gives every row again each time it is
 * called, in pieces of any size, and is called 1 + {@link MEDIAN_PASSES} times. Memory stays that of a piece.
 */
export async function computeBaselineInPasses(
  read: () => AsyncIterable<Matrix>,
  kinds: readonly FeatureKind[],
): Promise<Matrix> {
  const present = kinds.map(() => 0);
  const codes = kinds.map(() => new Map<number, number>());
  for await (const rows of read()) {
    forEachPresent(rows, (c, value) => {
      present[c]!++;
      if (kinds[c] === 'categorical') codes[c]!.set(value, (codes[c]!.get(value) ?? 0) + 1);
    });
  }

  const medians = new Map<number, StreamingMedians>();
  kinds.forEach((kind, c) => {
    if (kind === 'numeric' && present[c]! > 0) medians.set(c, new StreamingMedians(1, present[c]!));
  });
  for (let pass = 0; pass < MEDIAN_PASSES && medians.size > 0; pass++) {
    for await (const rows of read()) forEachPresent(rows, (c, value) => medians.get(c)?.add(0, value));
    for (const median of medians.values()) median.endPass();
  }

  const baseline = createMatrix(1, kinds.length);
  kinds.forEach((kind, c) => {
    baseline.data[c] = kind === 'categorical' ? mostFrequent(codes[c]!) : (medians.get(c)?.medians()[0] ?? Number.NaN);
  });
  return baseline;
}

/** Calls `visit` with every value of `rows` that is not missing, and its column. */
function forEachPresent(rows: Matrix, visit: (column: number, value: number) => void): void {
  for (let i = 0; i < rows.data.length; i++) {
    const value = rows.data[i]!;
    if (!Number.isNaN(value)) visit(i % rows.cols, value);
  }
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function countValues(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The value counted most often, the smallest on a tie; NaN when nothing was counted. */
function mostFrequent(counts: ReadonlyMap<number, number>): number {
  let best = Number.NaN;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && value < best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/**
 * A baseline file as Clarify takes it for a CSV dataset: rows of features only, no header, no label; here the
 * encoded features, in schema order, an empty field for a missing value.
 */
export function parseBaselineCsv(text: string, file: string, numFeatures: number): Matrix {
  if (text.trim() === '') {
    throw new InputError('the baseline file is empty', { file }, 'Give at least one row of encoded features');
  }
  return parseNumericCsv(text, file, numFeatures === FEATURE_NAMES.length ? FEATURE_NAMES : numFeatures);
}

/** The baseline rows and whether they were computed (Clarify then saves them beside the local values). */
export interface ResolvedBaseline {
  rows: Matrix;
  computed: boolean;
}

/**
 * The baseline rows a configuration stands for: its inline rows, the rows of the file it names (read through
 * `read`, which returns the text and the name to put in errors), or {@link computeBaseline} over `data`.
 */
export async function resolveBaseline(
  spec: BaselineSpec,
  data: Matrix,
  read: (location: string) => Promise<{ text: string; file: string }>,
): Promise<ResolvedBaseline> {
  if (spec.kind === 'rows') return { rows: spec.rows, computed: false };
  if (spec.kind === 'computed') return { rows: computeBaseline(data, featureKinds(data.cols)), computed: true };
  const { text, file } = await read(spec.location);
  return { rows: parseBaselineCsv(text, file, data.cols), computed: false };
}

/**
 * One row of each column's mean over its non-missing values: the baseline that AWS's Clarify example on Adult
 * gives explicitly, with every categorical code averaged like a number.
 */
export function columnMeans(features: Matrix): Matrix {
  const means = createMatrix(1, features.cols);
  for (let c = 0; c < features.cols; c++) {
    let sum = 0;
    let count = 0;
    for (let r = 0; r < features.rows; r++) {
      const value = features.data[r * features.cols + c]!;
      if (!Number.isNaN(value)) {
        sum += value;
        count++;
      }
    }
    means.data[c] = sum / count;
  }
  return means;
}
