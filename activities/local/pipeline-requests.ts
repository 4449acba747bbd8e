/** Requests for more batches of a pipeline, sent to its review cycle through the Temporal client. */
import { activityInfo, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ObjectStore } from '../../lib/object-store.js';
import { startPipeline } from '../../lib/pipeline-client.js';
import {
  describeExhausted,
  describeSkipped,
  findPipeline,
  type PipelineHandle,
  type StoppedPipeline,
} from '../../lib/pipeline-resume.js';
import { requestBatchesSignal, workflowIds } from '../../workflows/definitions.js';
import type { PipelineConfig } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { streamBatchId } from './batch-objects.js';
import { requireClient, type LocalContext } from './context.js';

export function createPipelineRequestActivities(context: LocalContext): Pick<ReviewActivities, 'requestBatches'> {
  return {
    async requestBatches({ pipelineId, config, count, by }) {
      const client = requireClient(context, 'requestBatches');
      const standing = await findPipeline(client, context.store, pipelineId);
      if (!standing.running && standing.streamEnded) {
        log.info(describeExhausted(pipelineId, standing.cursor.nextBatchIndex), { pipelineId, count, by });
        return { workflowId: workflowIds.pipeline(pipelineId), streamEnded: true };
      }

      const handle = standing.running
        ? standing.handle
        : await startWhereItStopped(client, context.store, { pipelineId, config }, standing);
      // A retry after a delivered signal asks for the batches again: requests are counted, not deduplicated.
      await handle.signal(requestBatchesSignal, { count, by });
      return { workflowId: handle.workflowId };
    },
  };
}

/**
 * Starts a stopped pipeline, paced `on-request`, at its first batch not yet reviewed and at the batch size it
 * already takes, so that no batch is reviewed twice and the stream is cut into the same rows.
 */
async function startWhereItStopped(
  client: Client,
  store: ObjectStore,
  { pipelineId, config }: { pipelineId: string; config: PipelineConfig },
  { cursor, batchSize = config.batchSize, skipped }: StoppedPipeline,
): Promise<PipelineHandle> {
  if (batchSize !== config.batchSize) {
    log.warn('The pipeline keeps its own batch size, not the one the request gave', {
      pipelineId,
      batchSize,
      requestedBatchSize: config.batchSize,
    });
  }
  for (const batchId of skipped) log.warn(describeSkipped(batchId), { pipelineId, batchId });
  log.info('Starting the stopped pipeline where it stopped', {
    pipelineId,
    batchId: streamBatchId(cursor.nextBatchIndex),
    batchSize,
    groundTruthVersion: cursor.groundTruthVersion,
  });

  try {
    return await startPipeline(client, {
      pipelineId,
      config: { ...config, batchSize },
      pace: 'on-request',
      taskQueue: activityInfo().taskQueue,
      cursor,
    });
  } catch (error) {
    // Another start (a user's, say) may have come in since the pipeline was found stopped: ask that run instead.
    const now = await findPipeline(client, store, pipelineId);
    if (now.running) return now.handle;
    throw error;
  }
}
