/**
 * What a client does with review pipelines: start one after checking its configuration, ask where it stands, and
 * describe what it did. Shared by `npm start`, the CLI and the tests, so each starts pipelines the same way.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { InputError } from '../domain/errors.js';
import {
  getCycleStatusQuery,
  requestBatchesSignal,
  reviewCycleTaskQueue,
  workflowIds,
} from '../workflows/definitions.js';
import {
  describeProblems,
  initialReviewCycleState,
  resolvePipelineConfig,
  reviewCycleInputProblems,
  type PipelineConfigOverrides,
} from '../workflows/pipeline-config.js';
import type { ReviewCycleWorkflow } from '../workflows/review-cycle.js';
import type { CycleStatus, ReviewCycleInput, ReviewCycleState, ReviewCycleSummary } from '../workflows/review-types.js';
import { askWorker, findWorkflow, innermostMessage } from './workflow-lookup.js';

export interface StartPipelineOptions {
  pipelineId: string;
  config?: PipelineConfigOverrides;
  /** Stop after this many batches; run until the stream ends when absent. */
  maxBatches?: number;
  /** @default 'continuous' */
  pace?: ReviewCycleInput['pace'];
  /** @default {@link reviewCycleTaskQueue} */
  taskQueue?: string;
  /**
   * Where in the stream to start: the next batch and the ground-truth version an earlier start of the pipeline
   * left. @default batch 0, no ground truth yet
   */
  cursor?: Pick<ReviewCycleState, 'nextBatchIndex' | 'groundTruthVersion'>;
}

/**
 * Starts a review pipeline. A bad configuration, or a pipeline of that id that is already running, is an
 * {@link InputError} before anything starts.
 */
export async function startPipeline(
  client: Client,
  options: StartPipelineOptions,
): Promise<WorkflowHandle<typeof ReviewCycleWorkflow>> {
  const input: ReviewCycleInput = {
    pipelineId: options.pipelineId,
    config: resolvePipelineConfig(options.config),
    maxBatches: options.maxBatches,
    pace: options.pace ?? 'continuous',
    state: { ...initialReviewCycleState(), ...options.cursor },
  };
  const problems = reviewCycleInputProblems(input);
  if (problems.length > 0) {
    throw new InputError(`pipeline ${options.pipelineId}: ${describeProblems(problems)}`, {}, 'Fix the configuration');
  }

  const workflowId = workflowIds.pipeline(options.pipelineId);
  try {
    return await client.workflow.start<typeof ReviewCycleWorkflow>('ReviewCycleWorkflow', {
      taskQueue: options.taskQueue ?? reviewCycleTaskQueue,
      workflowId,
      args: [input],
      staticSummary: `Review pipeline ${options.pipelineId}, ${input.config.batchSize} records a batch`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw pipelineRunningError(options.pipelineId);
    throw error;
  }
}

/** The refusal to start a pipeline that is running: it names the pipeline and says how to watch it or stop it. */
export function pipelineRunningError(pipelineId: string): InputError {
  const workflowId = workflowIds.pipeline(pipelineId);
  return new InputError(
    `pipeline ${pipelineId} is already running (workflow ${workflowId})`,
    {},
    `Watch it with \`review-cycle status --pipeline ${pipelineId}\`, stop it with ` +
      `\`temporal workflow cancel --workflow-id ${workflowId}\`, or give another --pipeline id`,
  );
}

/** Where a pipeline stands: its workflow's state, and what the cycle itself reports. */
export interface PipelineStatus {
  workflowId: string;
  runId: string;
  /** The latest run's execution status: `RUNNING`, `COMPLETED`, `FAILED`, `TERMINATED`... */
  execution: string;
  /** The cycle's own status, while it runs. */
  cycle?: CycleStatus;
  /** What it returned, once it completed. */
  summary?: ReviewCycleSummary;
  /** Why it failed, when it did. */
  failure?: string;
}

/** Where the pipeline of that id stands; an {@link InputError} when there is none. */
export async function getPipelineStatus(client: Client, pipelineId: string): Promise<PipelineStatus> {
  const workflowId = workflowIds.pipeline(pipelineId);
  const { handle, description } = await findPipeline(client, pipelineId);
  const status: PipelineStatus = { workflowId, runId: description.runId, execution: description.status.name };
  if (description.status.name === 'RUNNING') {
    status.cycle = await askWorker(client, `pipeline ${pipelineId}`, () => handle.query(getCycleStatusQuery));
  } else if (description.status.name === 'COMPLETED') {
    status.summary = (await handle.result()) as ReviewCycleSummary;
  } else if (description.status.name === 'FAILED') {
    status.failure = await handle.result().then(
      () => undefined,
      (error: unknown) => innermostMessage(error),
    );
  }
  return status;
}

/**
 * Asks a running pipeline paced `on-request` for more batches, as its nightly schedule does. A pipeline that is not
 * running is an {@link InputError}: start it, or let the schedule start it.
 */
export async function requestBatches(client: Client, pipelineId: string, count: number, by: string): Promise<void> {
  const { handle, description } = await findPipeline(client, pipelineId);
  if (description.status.name !== 'RUNNING') {
    throw new InputError(
      `pipeline ${pipelineId} is not running (${description.status.name})`,
      {},
      'Start it with `review-cycle pipeline start --pace on-request`, or trigger its schedule',
    );
  }
  await handle.signal(requestBatchesSignal, { count, by });
}

function findPipeline(client: Client, pipelineId: string) {
  return findWorkflow(client, workflowIds.pipeline(pipelineId), {
    what: 'review pipeline',
    name: pipelineId,
    workflowType: 'ReviewCycleWorkflow',
    fix: 'Start one with `review-cycle pipeline start`, or name another with --pipeline',
  });
}

/** A pipeline's totals in one line, e.g. `2 batches: 200 records scored, 61 sent for review, ...; ground truth v0002`. */
export function describeSummary(summary: Pick<ReviewCycleSummary, 'totals' | 'groundTruthVersion'>): string {
  const { batches, scored, sentForReview, agreed, overturned, expired } = summary.totals;
  const groundTruth =
    summary.groundTruthVersion === undefined ? 'no ground truth yet' : `ground truth ${summary.groundTruthVersion}`;
  return (
    `${batches} ${batches === 1 ? 'batch' : 'batches'}: ${scored} records scored, ${sentForReview} sent for review, ` +
    `${agreed} agreed, ${overturned} overturned, ${expired} expired; ${groundTruth}`
  );
}
