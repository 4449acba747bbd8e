import { formatCsv } from '../csv.js';
import type { AggMethod } from './clarify-config.js';
import { ExactSum } from './exact-sum.js';
import type { Explanation, ShapUnits } from './explanation.js';
import { MEDIAN_PASSES, StreamingMedians } from './streaming-median.js';

/** Where Clarify writes the local values, relative to the output folder. */
export const LOCAL_VALUES_FILE = 'explanations_shap/out.csv';
/** Where Clarify writes a baseline it computed itself. */
export const COMPUTED_BASELINE_FILE = 'explanations_shap/baseline.csv';
export const ANALYSIS_FILE = 'analysis.json';

/**
 * What the merge needs of one chunk (a range of rows) of a batch, besides its local values: small and
 * JSON-serialisable, so a chunk can be computed by one activity call and merged by another.
 */
export interface ChunkSummary {
  firstRow: number;
  rows: number;
  expectedValue: number;
  units: ShapUnits;
  /** Per feature, the exact sums of |value| and of value squared, as {@link ExactSum} partials. */
  absoluteSums: number[][];
  squareSums: number[][];
}

/** A chunk's summary and its local values as CSV lines (no header), one per row, in input order. */
export function summarizeChunk(explanation: Explanation, firstRow: number): { summary: ChunkSummary; body: string } {
  const { values } = explanation;
  const absolute = Array.from({ length: values.cols }, () => new ExactSum());
  const square = Array.from({ length: values.cols }, () => new ExactSum());
  for (let r = 0; r < values.rows; r++) {
    for (let c = 0; c < values.cols; c++) {
      const value = values.data[r * values.cols + c]!;
      absolute[c]!.add(Math.abs(value));
      square[c]!.add(value * value);
    }
  }
  const summary: ChunkSummary = {
    firstRow,
    rows: values.rows,
    expectedValue: explanation.expectedValue,
    units: explanation.units,
    absoluteSums: absolute.map((sum) => sum.toJSON()),
    squareSums: square.map((sum) => sum.toJSON()),
  };
  return { summary, body: formatCsv(values) };
}

export interface MergeOptions {
  featureNames: readonly string[];
  aggMethod: AggMethod;
  saveLocalShapValues: boolean;
  /** Facts about the run that Clarify's files do not hold, written beside them in analysis.json. */
  run: Record<string, unknown>;
}

/** How the merge reaches the chunks' local values and the output. */
export interface MergeIo {
  /** The CSV body of chunk `index`, in pieces of any size; opened again for each pass a median needs. */
  readBody(index: number): AsyncIterable<string>;
  /** Receives out.csv piece by piece, in order; not called when local values are not saved. */
  write(text: string): Promise<void>;
}

/**
 * Merges the chunks of a batch into Clarify's output: out.csv (a header of feature names, then every row in
 * input order) through `io.write`, and the text of analysis.json, returned. The result is byte for byte what
 * one chunk of the whole batch gives. Memory stays flat: rows stream through, sums are exact partials, and a
 * median is selected in a few passes over the bodies.
 */
export async function mergeChunks(
  summaries: readonly ChunkSummary[],
  io: MergeIo,
  options: MergeOptions,
): Promise<string> {
  const chunks = [...summaries].sort((a, b) => a.firstRow - b.firstRow);
  const order = chunks.map((chunk) => summaries.indexOf(chunk));
  const rows = checkChunks(chunks);
  const cols = options.featureNames.length;
  const medians = options.aggMethod === 'median' ? new StreamingMedians(cols, rows) : undefined;

  const out = new BufferedWriter(io.write);
  if (options.saveLocalShapValues) await out.write(`${options.featureNames.map(csvField).join(',')}\n`);
  // The first pass writes out.csv; every pass feeds the medians.
  const passes = medians ? MEDIAN_PASSES : options.saveLocalShapValues ? 1 : 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const [position, chunk] of chunks.entries()) {
      let seen = 0;
      for await (const line of lines(io.readBody(order[position]!))) {
        seen++;
        if (pass === 0 && options.saveLocalShapValues) await out.write(`${line}\n`);
        if (medians) {
          const fields = line.split(',');
          if (fields.length !== cols)
            throw new Error(`chunk at row ${chunk.firstRow}: a line of ${fields.length} fields`);
          fields.forEach((field, c) => medians.add(c, Number(field)));
        }
      }
      if (seen !== chunk.rows) {
        throw new Error(`chunk at row ${chunk.firstRow}: ${seen} lines for ${chunk.rows} rows`);
      }
    }
    medians?.endPass();
    await out.flush();
  }

  const global = new Float64Array(cols);
  if (medians) global.set(medians.medians());
  else {
    for (let c = 0; c < cols; c++) {
      const total = new ExactSum();
      for (const chunk of chunks) {
        total.merge(new ExactSum(options.aggMethod === 'mean_abs' ? chunk.absoluteSums[c] : chunk.squareSums[c]));
      }
      global[c] = total.value() / rows;
    }
  }
  return analysisJson(options.featureNames, global, chunks[0]!.expectedValue, { ...options.run, rows });
}

/** Chunks must tile rows 0 to n - 1 and agree on the expected value; returns n. */
function checkChunks(chunks: readonly ChunkSummary[]): number {
  if (chunks.length === 0) throw new Error('no chunks to merge');
  let next = 0;
  for (const chunk of chunks) {
    if (chunk.firstRow !== next) throw new Error(`chunks leave rows ${next} to ${chunk.firstRow - 1} unexplained`);
    if (chunk.expectedValue !== chunks[0]!.expectedValue || chunk.units !== chunks[0]!.units) {
      throw new Error(`the chunk at row ${chunk.firstRow} was explained against another baseline or in other units`);
    }
    next += chunk.rows;
  }
  return next;
}

/**
 * analysis.json as Clarify writes it: `explanations.kernel_shap.label0` holds `global_shap_values` (feature name
 * to aggregated value) and `expected_value`. Every method writes there, since that is where Clarify readers
 * look; `review_cycle` says which method and units the values are in.
 */
export function analysisJson(
  featureNames: readonly string[],
  global: Float64Array,
  expectedValue: number,
  run: Record<string, unknown>,
): string {
  const globalShapValues = Object.fromEntries(featureNames.map((name, c) => [name, global[c]!]));
  const analysis = {
    version: '1.0',
    explanations: { kernel_shap: { label0: { global_shap_values: globalShapValues, expected_value: expectedValue } } },
    review_cycle: run,
  };
  return `${JSON.stringify(analysis, null, 2)}\n`;
}

/** A CSV header field, quoted when it holds a comma, a quote or a line break. */
function csvField(name: string): string {
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Gathers small pieces of text into writes of about 64 KiB. */
class BufferedWriter {
  private pending = '';

  constructor(private readonly sink: (text: string) => Promise<void>) {}

  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    await this.sink(text);
  }
}

/** The lines of a text that arrives in pieces, without their line breaks. */
async function* lines(pieces: AsyncIterable<string>): AsyncIterable<string> {
  let pending = '';
  for await (const piece of pieces) {
    pending += piece;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) yield part;
  }
  if (pending !== '') yield pending;
}
