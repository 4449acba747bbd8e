import { ApplicationFailure, Context } from '@temporalio/activity';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../domain/errors.js';
import type { ModelRegistry, RegistrationReason } from '../lib/model-registry.js';
import { DEFAULT_HYPERPARAMETERS, trainModel, type Hyperparameters } from '../lib/training.js';

/** A registered model, as a workflow sees it. */
export interface RegisteredModel {
  version: string;
  modelKey: string;
  validationAuc: number | null;
  holdoutAuc: number | null;
  current: boolean;
}

export interface TrainingActivities {
  /** The current model, or null when the registry has none yet. */
  currentModel(): Promise<RegisteredModel | null>;
  /**
   * Trains a model with the real XGBoost library, heartbeating every boosting round, and registers it;
   * with `makeCurrent` it becomes the model that cycles resolve `current` to.
   */
  trainAndRegister(input: {
    reason: RegistrationReason;
    parent?: string;
    hyperparameters?: Hyperparameters;
    makeCurrent: boolean;
  }): Promise<RegisteredModel>;
}

/** The training activities of the local backend, over a model registry. */
export function createTrainingActivities(registry: ModelRegistry): TrainingActivities {
  return {
    async currentModel() {
      const current = await registry.getCurrent();
      if (!current) return null;
      return {
        version: current.version,
        modelKey: current.modelKey,
        validationAuc: current.validation.auc,
        holdoutAuc: current.test.auc,
        current: true,
      };
    },

    async trainAndRegister({ reason, parent, hyperparameters, makeCurrent }) {
      const context = Context.current();
      const outDir = await mkdtemp(join(tmpdir(), 'review-cycle-model-'));
      try {
        const trained = await trainModel({
          outDir,
          hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...hyperparameters },
          signal: context.cancellationSignal,
          onProgress: (progress) => context.heartbeat(progress),
        }).catch((error: unknown) => {
          // A bad hyperparameter fails the same way on every attempt: retrying cannot help.
          if (error instanceof InputError) throw ApplicationFailure.nonRetryable(error.message, 'InputError');
          throw error;
        });
        const entry = await registry.register({
          model: await readFile(trained.modelPath),
          metrics: trained.metrics,
          reason,
          parent,
        });
        if (makeCurrent) await registry.setCurrent(entry.version);
        context.log.info('Registered model', { version: entry.version, holdoutAuc: entry.test.auc, makeCurrent });
        return {
          version: entry.version,
          modelKey: entry.modelKey,
          validationAuc: entry.validation.auc,
          holdoutAuc: entry.test.auc,
          current: makeCurrent,
        };
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    },
  };
}
