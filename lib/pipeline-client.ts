/**
 * What a client does with review pipelines: start one after checking its configuration, and wait for it.
 * Shared by `npm start`, the CLI and the tests, so each starts pipelines the same way.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { InputError } from '../domain/errors.js';
import { reviewCycleTaskQueue, workflowIds } from '../workflows/definitions.js';
import {
  describeProblems,
  initialReviewCycleState,
  resolvePipelineConfig,
  reviewCycleInputProblems,
  type PipelineConfigOverrides,
} from '../workflows/pipeline-config.js';
import type { ReviewCycleWorkflow } from '../workflows/review-cycle.js';
import type { ReviewCycleInput } from '../workflows/review-types.js';

export interface StartPipelineOptions {
  pipelineId: string;
  config?: PipelineConfigOverrides;
  /** Stop after this many batches; run until the stream ends when absent. */
  maxBatches?: number;
  /** @default 'continuous' */
  pace?: ReviewCycleInput['pace'];
  /** @default {@link reviewCycleTaskQueue} */
  taskQueue?: string;
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
    state: initialReviewCycleState(),
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
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new InputError(
        `pipeline ${options.pipelineId} is already running (workflow ${workflowId})`,
        {},
        'Watch it with `review-cycle status`, or give another --pipeline id',
      );
    }
    throw error;
  }
}
