import { ApplicationFailure } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReviewActivities } from '../activities/interfaces.js';
import { describeProblems, invalidPipelineConfigFailure, pipelineConfigProblems } from './pipeline-config.js';
import type { NightlyTickInput } from './review-types.js';

const { requestBatches } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/**
 * The action of a pipeline's nightly schedule: asks the pipeline for the night's batches, starting it if it is not
 * running, and ends. A schedule follows the continue-as-new chain of what it starts, so a schedule that started the
 * pipeline itself would skip every night while a cycle waits a week for reviewers; this tick ends in a moment, so
 * no night is skipped, and the requests add up in the pipeline's state until it takes them.
 */
export async function NightlyTickWorkflow(input: NightlyTickInput): Promise<{ workflowId: string; count: number }> {
  const count = input.batches ?? 1;
  const problems = pipelineConfigProblems(input.config);
  if (!Number.isSafeInteger(count) || count < 1) problems.push({ field: 'batches', problem: 'must be at least 1' });
  if (problems.length > 0) {
    const message = `Invalid nightly tick input: ${describeProblems(problems)}`;
    throw ApplicationFailure.nonRetryable(message, invalidPipelineConfigFailure);
  }

  const by = `schedule ${workflowInfo().workflowId}`;
  const { workflowId } = await requestBatches.executeWithOptions(
    { summary: `Ask pipeline ${input.pipelineId} for ${count} batches` },
    [{ pipelineId: input.pipelineId, config: input.config, count, by }],
  );
  return { workflowId, count };
}
