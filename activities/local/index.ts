/**
 * The `local` backend: every review activity on this machine, with the object store in a folder, the model registry
 * in that store, XGBoost scoring and SHAP in TypeScript, and the review app in place of A2I.
 */
import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../../domain/errors.js';
import type { ReviewActivities } from '../interfaces.js';
import { createBatchActivities } from './batches.js';
import { createLocalContext, type LocalDependencies } from './context.js';
import { createExplanationActivities } from './explanations.js';
import { createGroundTruthActivities } from './ground-truth.js';
import { createModelActivities } from './models.js';
import { createOracleActivities } from './oracle.js';
import { createPipelineRequestActivities } from './pipeline-requests.js';
import { createPlotActivities } from './plots.js';
import { createReviewActivities } from './reviews.js';
import { createSelectionActivities } from './selection.js';

export type { LocalDependencies } from './context.js';

/** The failure type of an activity given input it can never work with; such a failure is not retried. */
export const invalidActivityInputFailure = 'InvalidActivityInput';

/**
 * Creates the local backend's activities over one object store and model registry. Without a `client`, the two
 * activities that talk to workflows (`answerAsOracle`, `requestBatches`) fail without retry.
 */
export function createLocalActivities(deps: LocalDependencies): ReviewActivities {
  const context = createLocalContext(deps);
  return failFastOnBadInput({
    ...createModelActivities(context),
    ...createBatchActivities(context),
    ...createExplanationActivities(context),
    ...createSelectionActivities(context),
    ...createPlotActivities(context),
    ...createReviewActivities(context),
    ...createOracleActivities(context),
    ...createGroundTruthActivities(context),
    ...createPipelineRequestActivities(context),
  });
}

/** Turns an {@link InputError} into a non-retryable failure with the same message: retrying bad input cannot help. */
function failFastOnBadInput(activities: ReviewActivities): ReviewActivities {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities) as [string, (input: never) => Promise<unknown>][]) {
    wrapped[name] = async (input: never) => {
      try {
        return await activity(input);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        throw ApplicationFailure.create({
          type: invalidActivityInputFailure,
          message: error.message,
          nonRetryable: true,
          cause: error,
        });
      }
    };
  }
  return wrapped as unknown as ReviewActivities;
}
