/**
 * Every name that crosses the wire between review-cycle's workers, clients, the CLI and the tests: task queues,
 * search attributes, and the signals, queries and updates of its workflows. Deterministic, so workflows import it.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CycleStatus, SubmitVerdictsRequest, TaskView } from './review-types.js';

/** The task queue every review-cycle worker polls and every workflow is started on. */
export const reviewCycleTaskQueue = 'review-cycle';

/** The incoming-stream batch a workflow works on, e.g. `stream-0003`. */
export const batchIdSearchAttribute = defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD);

/** The registry version of the model whose decisions are reviewed. */
export const modelVersionSearchAttribute = defineSearchAttributeKey('ModelVersion', SearchAttributeType.KEYWORD);

/** Where a review stands, as an UPPER_CASE status. */
export const reviewStatusSearchAttribute = defineSearchAttributeKey('ReviewStatus', SearchAttributeType.KEYWORD);

/** How many records still wait for a reviewer's verdict. */
export const pendingReviewsSearchAttribute = defineSearchAttributeKey('PendingReviews', SearchAttributeType.INT);

/** A search attribute key of any type. */
export type SearchAttributeKey = SearchAttributePair['key'];

/** The custom search attributes a server must know before review-cycle workflows start on it. */
export const reviewCycleSearchAttributes: readonly SearchAttributeKey[] = [
  batchIdSearchAttribute,
  modelVersionSearchAttribute,
  reviewStatusSearchAttribute,
  pendingReviewsSearchAttribute,
];

/** Gives verdicts on some records of a review task; returns the task as it stands after them. */
export const submitVerdictsUpdate = defineUpdate<TaskView, [SubmitVerdictsRequest]>('submitVerdicts');

/** A review task as a reviewer sees it. */
export const getTaskViewQuery = defineQuery<TaskView>('getTaskView');

/** Hands a review task to another reviewer. */
export const reassignSignal = defineSignal<[{ assignee: string; by?: string }]>('reassign');

/** Withdraws a review task: its undecided records are recorded as cancelled. */
export const cancelSignal = defineSignal<[{ reason: string }]>('cancel');

/** Where a review pipeline stands. */
export const getCycleStatusQuery = defineQuery<CycleStatus>('getCycleStatus');

/**
 * Tells the review cycle that started a task how many of the task's records still wait for a verdict, so the
 * cycle's `PendingReviews` counts records, not tasks.
 */
export const taskProgressSignal = defineSignal<[{ taskWorkflowId: string; pending: number }]>('taskProgress');

/** Asks a pipeline paced `on-request` for more batches (what the nightly schedule sends). */
export const requestBatchesSignal = defineSignal<[{ count: number; by: string }]>('requestBatches');

/** Workflow id prefixes, so the CLI, the review app and the tests find workflows by the same names. */
export const workflowIds = {
  pipeline: (pipelineId: string) => `review-pipeline-${pipelineId}`,
  task: (pipelineId: string, batchId: string, task: number) =>
    `review-task-${pipelineId}-${batchId}-${String(task).padStart(3, '0')}`,
  schedule: (pipelineId: string) => `review-nightly-${pipelineId}`,
};
