/** The two fan-out steps of a review cycle: explanations over row chunks, and review over tasks. */
import { log, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { ExplanationKeys, ReviewActivities } from '../activities/interfaces.js';
import type { CycleProgress } from './cycle-progress.js';
import {
  batchIdSearchAttribute,
  modelVersionSearchAttribute,
  pendingReviewsSearchAttribute,
  reviewStatusSearchAttribute,
  workflowIds,
} from './definitions.js';
import { HumanReviewWorkflow } from './human-review.js';
import type {
  BatchRef,
  ExplanationPolicy,
  ModelRef,
  RecordDecision,
  ReviewCycleInput,
  ReviewRecord,
} from './review-types.js';

// A chunk explains up to `chunkSize` rows and heartbeats as it goes, so a worker that dies is noticed in a minute.
const { explainChunk } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

const { mergeExplanations } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

// The oracle answers through the task's update; if it cannot, the task waits for a person as any other would.
const { answerAsOracle } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

/** Explains every row of a batch in chunks that run at once on any worker, then merges them in row order. */
export async function explainBatch(
  batch: BatchRef,
  model: ModelRef,
  explanation: ExplanationPolicy,
): Promise<ExplanationKeys> {
  const starts: number[] = [];
  for (let start = 0; start < batch.rows; start += explanation.chunkSize) starts.push(start);

  const partials = await Promise.all(
    starts.map((start) => {
      const end = Math.min(start + explanation.chunkSize, batch.rows);
      return explainChunk.executeWithOptions({ summary: `Explain rows ${start} to ${end - 1} of ${batch.batchId}` }, [
        { batch, model, explanation, start, end },
      ]);
    }),
  );
  return mergeExplanations.executeWithOptions(
    { summary: `Merge ${partials.length} explanation chunks of ${batch.batchId}` },
    [{ batch, explanation, partialKeys: partials.map((partial) => partial.partialKey) }],
  );
}

/**
 * Sends the records to review tasks of `recordsPerTask` records each, and waits for every task to end. Returns one
 * decision per record, in record order: agreed, disagreed, expired or cancelled, never missing.
 */
export async function reviewRecords(
  input: ReviewCycleInput,
  batch: BatchRef,
  modelVersion: string,
  records: ReviewRecord[],
  progress: CycleProgress,
): Promise<RecordDecision[]> {
  const { pipelineId, config } = input;
  const { recordsPerTask } = config.review;
  const tasks: ReviewRecord[][] = [];
  for (let start = 0; start < records.length; start += recordsPerTask) {
    tasks.push(records.slice(start, start + recordsPerTask));
  }

  const results = await Promise.all(
    tasks.map(async (taskRecords, index) => {
      const taskWorkflowId = workflowIds.task(pipelineId, batch.batchId, index + 1);
      const task = await startChild(HumanReviewWorkflow, {
        workflowId: taskWorkflowId,
        args: [
          {
            taskId: taskWorkflowId,
            pipelineId,
            batchId: batch.batchId,
            modelVersion,
            threshold: config.threshold,
            records: taskRecords,
            remindAfter: config.review.remindAfter,
            expireAfter: config.review.expireAfter,
            groups: config.review.groups,
          },
        ],
        // If this cycle closes before its tasks do, each task is asked to cancel: it then records its undecided
        // records as CANCELLED and writes them, where terminating would drop them and abandoning would leave
        // verdicts that no cycle ever adds to the ground truth.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: batchIdSearchAttribute, value: batch.batchId },
          { key: modelVersionSearchAttribute, value: modelVersion },
          { key: reviewStatusSearchAttribute, value: 'OPEN' },
          { key: pendingReviewsSearchAttribute, value: taskRecords.length },
        ],
        staticSummary: `Review task ${index + 1} of ${tasks.length}: ${taskRecords.length} records of ${batch.batchId}`,
      });
      progress.taskOpened(taskWorkflowId, taskRecords.length);

      if (config.review.reviewer === 'oracle') await askOracle(taskWorkflowId, batch, taskRecords);
      const result = await task.result();
      progress.taskClosed(taskWorkflowId);
      return result;
    }),
  );
  return results.flatMap((result) => result.decisions);
}

async function askOracle(taskWorkflowId: string, batch: BatchRef, records: ReviewRecord[]): Promise<void> {
  try {
    await answerAsOracle.executeWithOptions({ summary: `Oracle answers ${taskWorkflowId}` }, [
      { taskWorkflowId, batch, records },
    ]);
  } catch (error) {
    log.warn('The oracle could not answer; the task waits for a reviewer', { taskWorkflowId, error: String(error) });
  }
}
