/**
 * What every activity of the local backend shares: the object store, the model registry, an optional Temporal client,
 * and caches of what is costly to load and never changes (parsed models, the encoded incoming stream).
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadSplit, type LabelledRows } from '../../domain/dataset.js';
import { parseXGBoostModel, type XGBoostModel } from '../../domain/xgboost-model.js';
import type { ModelRegistry } from '../../lib/model-registry.js';
import { getText, ObjectExistsError, type ObjectStore } from '../../lib/object-store.js';
import type { ModelRef } from '../../workflows/review-types.js';

/** What {@link createLocalContext} and the local backend's factory are built from. */
export interface LocalDependencies {
  store: ObjectStore;
  registry: ModelRegistry;
  /** Needed by the activities that talk to workflows: the oracle reviewer and batch requests. */
  client?: Client;
}

export interface LocalContext extends LocalDependencies {
  /** The parsed model of a registry version; a model object never changes, so it is parsed once per worker. */
  model(ref: ModelRef): Promise<XGBoostModel>;
  /** The encoded incoming stream, loaded once per worker. */
  stream(): LabelledRows;
}

/** How many parsed models a worker keeps; a pipeline uses one at a time, a retrain adds a second. */
const CACHED_MODELS = 4;

export function createLocalContext(deps: LocalDependencies): LocalContext {
  const models = new Map<string, Promise<XGBoostModel>>();
  let stream: LabelledRows | undefined;

  return {
    ...deps,
    model(ref) {
      let model = models.get(ref.modelKey);
      if (model === undefined) {
        model = getText(deps.store, ref.modelKey).then((text) => parseXGBoostModel(text, ref.modelKey));
        model.catch(() => models.delete(ref.modelKey));
        models.set(ref.modelKey, model);
        if (models.size > CACHED_MODELS) models.delete(models.keys().next().value!);
      }
      return model;
    },
    stream() {
      stream ??= loadSplit('stream');
      return stream;
    },
  };
}

/** The failure type of an object that already holds other content than a create-only write brings. */
export const objectConflictFailure = 'ObjectConflict';

/**
 * Writes an object that must never change once written. Writing the same bytes again is a no-op, so retries and
 * replays are safe; other bytes under the key fail without retry, with `conflict` saying why that can happen.
 */
export async function putImmutable(store: ObjectStore, key: string, body: string, conflict: string): Promise<void> {
  try {
    await store.put(key, body, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    if ((await getText(store, key)) === body) return;
    throw ApplicationFailure.create({
      type: objectConflictFailure,
      message: `${key} already holds other content: ${conflict}`,
      nonRetryable: true,
    });
  }
}

/** The Temporal client, for the activities that talk to workflows; a worker built without one fails them for good. */
export function requireClient(context: LocalContext, activity: string): Client {
  if (context.client !== undefined) return context.client;
  throw ApplicationFailure.create({
    type: 'MissingTemporalClient',
    message: `${activity} needs a Temporal client: create the local activities with { client }`,
    nonRetryable: true,
  });
}
