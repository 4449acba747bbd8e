/** The incoming stream and the batch transform: what the local backend does in place of S3 and SageMaker. */
import { transformCsv, transformOutputName } from '../../domain/batch-transform.js';
import { formatCsv } from '../../domain/csv.js';
import { streamBatch } from '../../domain/dataset.js';
import { InputError } from '../../domain/errors.js';
import { getText } from '../../lib/object-store.js';
import type { ReviewActivities } from '../interfaces.js';
import { batchFolder, batchPrefix, formatRowsCsv, INPUT_FILE, ROWS_FILE, streamBatchId } from './batch-objects.js';
import { putImmutable, type LocalContext } from './context.js';

// A batch is written once per pipeline. The same index with another size would be other rows under the same
// keys, and the verdicts already given on them would no longer match.
const SIZE_CONFLICT =
  'the pipeline took this batch with another batch size before; start a new pipeline id for another size';

export function createBatchActivities(
  context: LocalContext,
): Pick<ReviewActivities, 'prepareBatch' | 'transformBatch'> {
  const { store } = context;
  return {
    async prepareBatch({ pipelineId, batchIndex, batchSize }) {
      if (!Number.isSafeInteger(batchIndex) || batchIndex < 0) {
        throw new InputError(`is ${batchIndex}`, { field: 'batchIndex' }, 'Count batches from 0');
      }
      if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
        throw new InputError(`is ${batchSize}`, { field: 'batchSize' }, 'Give a whole number of rows, at least 1');
      }
      const rows = streamBatch(batchIndex, batchSize, context.stream());
      if (rows === undefined) return null;

      const batchId = streamBatchId(batchIndex);
      const prefix = batchPrefix(pipelineId, batchId);
      const inputKey = `${prefix}/${INPUT_FILE}`;
      const rowsKey = `${prefix}/${ROWS_FILE}`;
      await putImmutable(store, inputKey, formatCsv(rows.features), SIZE_CONFLICT);
      await putImmutable(store, rowsKey, formatRowsCsv(rows), SIZE_CONFLICT);
      return { batchId, batchIndex, rows: rows.rowIds.length, inputKey, rowsKey };
    },

    async transformBatch({ batch, model }) {
      const scorer = await context.model(model);
      const predictions = transformCsv(scorer, await getText(store, batch.inputKey), batch.inputKey);
      const predictionsKey = `${batchFolder(batch)}/predictions/${model.version}/${transformOutputName(INPUT_FILE)}`;
      await store.put(predictionsKey, predictions);
      return { predictionsKey };
    },
  };
}
