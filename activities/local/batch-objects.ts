/**
 * Where the local backend keeps a batch and everything made from it, and how its two input objects are written and
 * read. Every key of a batch lies under `pipelines/<pipelineId>/batches/<batchId>/`.
 */
import { parseNumericCsv } from '../../domain/csv.js';
import type { LabelledRows } from '../../domain/dataset.js';
import { InputError } from '../../domain/errors.js';
import type { Matrix } from '../../domain/matrix.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
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
