/**
 * Where the local backend keeps a batch and everything made from it, and how its two input objects are written and
 * read. Every key of a batch lies under `pipelines/<pipelineId>/batches/<batchId>/`.
 */
import { parseNumericCsv } from '../../domain/csv.js';
import type { LabelledRows } from '../../domain/dataset.js';
import { InputError } from '../../domain/errors.js';
import type { Matrix } from '../../domain/matrix.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
import { checkRowRange, type RowRange } from '../../domain/shap/explain-rows.js';
import { getText, type ObjectStore } from '../../lib/object-store.js';
import type { BatchRef } from '../../workflows/review-types.js';

/** The id of batch `index` of the incoming stream: `stream-0003`. */
export function streamBatchId(index: number): string {
  return `stream-${String(index).padStart(4, '0')}`;
}

/** The index of a batch of the incoming stream from its id (`stream-0003` is 3); undefined for any other id. */
export function streamBatchIndex(batchId: string): number | undefined {
  const match = /^stream-(\d{4,})$/.exec(batchId);
  return match === null ? undefined : Number(match[1]);
}

export function pipelinePrefix(pipelineId: string): string {
  return `pipelines/${pipelineId}`;
}

export function batchPrefix(pipelineId: string, batchId: string): string {
  return `${pipelinePrefix(pipelineId)}/batches/${batchId}`;
}

/** The folder of a prepared batch: the one its input was stored in. */
export function batchFolder(batch: BatchRef): string {
  return batch.inputKey.slice(0, batch.inputKey.lastIndexOf('/'));
}

export const INPUT_FILE = 'input.csv';
export const ROWS_FILE = 'rows.csv';
const ROWS_HEADER = 'row_id,label';

/** A batch's row ids and true labels as stored: `row_id,label`, the label 1 for `>50K` and 0 for `<=50K`. */
export function formatRowsCsv(rows: Pick<LabelledRows, 'rowIds' | 'labels'>): string {
  return `${ROWS_HEADER}\n${rows.rowIds.map((rowId, r) => `${rowId},${rows.labels[r]}\n`).join('')}`;
}

/** A batch's encoded features, one row per record, in schema order. */
export async function readBatchFeatures(store: ObjectStore, batch: BatchRef): Promise<Matrix> {
  return parseNumericCsv(await getText(store, batch.inputKey), batch.inputKey, FEATURE_NAMES);
}

/**
 * Some rows of a batch's encoded features, read as the stored input streams past, so that a chunk of a batch needs
 * memory for its own rows whatever the size of the batch. A range outside the batch is an {@link InputError} naming
 * `field`.
 */
export async function readBatchFeatureRange(
  store: ObjectStore,
  batch: BatchRef,
  range: RowRange,
  field: string,
): Promise<Matrix> {
  checkRowRange(range, batch.rows, field);
  // One block holds the whole range; reading on to the end of the blocks checks that the batch has every row.
  let features: Matrix | undefined;
  for await (const block of batchFeatureBlocks(store, batch, range, range.rows)) features = block;
  return features!;
}

/**
 * The rows of a range of a batch's encoded features in blocks of up to `blockRows` rows, parsed as the stored input
 * streams past: memory follows the block, not the batch.
 */
export async function* batchFeatureBlocks(
  store: ObjectStore,
  batch: BatchRef,
  range: RowRange,
  blockRows: number,
): AsyncGenerator<Matrix> {
  const end = range.firstRow + range.rows;
  let next = range.firstRow;
  for await (const text of lineBlocks(await store.getStream(batch.inputKey), range.firstRow, end, blockRows)) {
    if (text.trim() === '') break;
    const rows = parseNumericCsv(text, batch.inputKey, FEATURE_NAMES, next);
    next += rows.rows;
    yield rows;
  }
  if (next !== end) throw new InputError(`holds fewer than the batch's ${batch.rows} rows`, { file: batch.inputKey });
}

const NEWLINE = 0x0a;

/**
 * Lines `first` to `end - 1` (counted from 0) of a UTF-8 text that arrives in pieces, with their line breaks, in
 * blocks of up to `blockLines` lines; fewer lines if the text ends first. Lines before the range are only counted,
 * never decoded, and reading stops at the end of the range.
 */
async function* lineBlocks(
  pieces: AsyncIterable<Uint8Array>,
  first: number,
  end: number,
  blockLines: number,
): AsyncGenerator<string> {
  let kept: Uint8Array[] = [];
  let line = 0;
  for await (const piece of pieces) {
    let from = 0;
    while (line < end && from < piece.length) {
      const lineEnd = piece.indexOf(NEWLINE, from);
      const to = lineEnd === -1 ? piece.length : lineEnd + 1;
      if (line >= first) kept.push(piece.subarray(from, to));
      from = to;
      if (lineEnd !== -1 && ++line > first && (line - first) % blockLines === 0) {
        yield Buffer.concat(kept).toString('utf8');
        kept = [];
      }
    }
    if (line >= end) break;
  }
  if (kept.length > 0) yield Buffer.concat(kept).toString('utf8');
}

/** A batch's row ids and true labels, in row order. */
export async function readBatchRows(
  store: ObjectStore,
  batch: Pick<BatchRef, 'rowsKey'>,
): Promise<{ rowIds: string[]; labels: number[] }> {
  const [header, ...lines] = (await getText(store, batch.rowsKey)).trimEnd().split('\n');
  if (header !== ROWS_HEADER) {
    throw new InputError(`the header is '${header}'`, { file: batch.rowsKey, row: 1 }, `Start with ${ROWS_HEADER}`);
  }
  const rowIds: string[] = [];
  const labels: number[] = [];
  lines.forEach((line, index) => {
    const [rowId, label] = line.split(',');
    if (rowId === undefined || (label !== '0' && label !== '1')) {
      throw new InputError(`'${line}' is not a row id and a label`, { file: batch.rowsKey, row: index + 2 });
    }
    rowIds.push(rowId);
    labels.push(Number(label));
  });
  return { rowIds, labels };
}
