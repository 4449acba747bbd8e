import { log, proxyActivities } from '@temporalio/workflow';
import type { RegisteredModel, TrainingActivities } from '../activities/training.js';
import type { RegistrationReason } from '../lib/model-registry.js';

const { currentModel, trainAndRegister } = proxyActivities<TrainingActivities>({
  startToCloseTimeout: '2 hours',
  // Each boosting round heartbeats, so a worker that dies mid-training is noticed within a minute.
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export interface TrainModelInput {
  reason: RegistrationReason;
  parent?: string;
  hyperparameters?: Record<string, string>;
  /** @default true */
  makeCurrent?: boolean;
  /** Train only when the registry has no current model yet. @default false */
  onlyIfEmpty?: boolean;
}

/** Trains a model with XGBoost and registers it; `npm start` runs it when the registry is empty. */
export async function TrainModelWorkflow(input: TrainModelInput): Promise<RegisteredModel> {
  if (input.onlyIfEmpty) {
    const existing = await currentModel.executeWithOptions({ summary: 'Look for a current model' }, []);
    if (existing) {
      log.info('A current model exists; nothing to train', { version: existing.version });
      return existing;
    }
  }
  const summary = input.reason === 'initial' ? 'Train the first model with XGBoost' : 'Retrain with XGBoost';
  return trainAndRegister.executeWithOptions({ summary }, [
    {
      reason: input.reason,
      parent: input.parent,
      hyperparameters: input.hyperparameters,
      makeCurrent: input.makeCurrent ?? true,
    },
  ]);
}
