/** Requests for more batches of a pipeline, sent to its review cycle through the Temporal client. */
import { activityInfo } from '@temporalio/activity';
import { requestBatchesSignal, workflowIds } from '../../workflows/definitions.js';
import type { ReviewCycleWorkflow } from '../../workflows/review-cycle.js';
import type { ReviewCycleInput } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { requireClient, type LocalContext } from './context.js';

export function createPipelineRequestActivities(context: LocalContext): Pick<ReviewActivities, 'requestBatches'> {
  return {
    async requestBatches({ pipelineId, config, count, by }) {
      const client = requireClient(context, 'requestBatches');
      const workflowId = workflowIds.pipeline(pipelineId);
      const input: ReviewCycleInput = {
        pipelineId,
        config,
        pace: 'on-request',
        state: {
          nextBatchIndex: 0,
          totals: { batches: 0, scored: 0, sentForReview: 0, agreed: 0, overturned: 0, expired: 0 },
          requestedBatches: 0,
        },
      };
      // A retry after a delivered signal asks for the batches again: requests are counted, not deduplicated.
      await client.workflow.signalWithStart<typeof ReviewCycleWorkflow, [{ count: number; by: string }]>(
        'ReviewCycleWorkflow',
        {
          workflowId,
          taskQueue: activityInfo().taskQueue,
          args: [input],
          signal: requestBatchesSignal,
          signalArgs: [{ count, by }],
          staticSummary: `Review pipeline ${pipelineId}: one batch per request`,
        },
      );
      return { workflowId };
    },
  };
}
