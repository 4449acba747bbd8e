/**
 * A local backend for tests: a fresh object store in a temporary folder, a registry with a real trained model, and
 * the activities over them, run in an activity context as a worker would run them.
 */
import type { Info } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExplanationKeys, ReviewActivities } from '../../activities/interfaces.js';
import { streamBatchId } from '../../activities/local/batch-objects.js';
import { latestManifest, manifestKey, readGroundTruth } from '../../activities/local/ground-truth.js';
import { createLocalActivities } from '../../activities/local/index.js';
import { streamBatch } from '../../domain/dataset.js';
import { parseXGBoostModel, predictProbabilities } from '../../domain/xgboost-model.js';
import { ModelRegistry } from '../../lib/model-registry.js';
import { FileObjectStore, getText } from '../../lib/object-store.js';
import { trainModel } from '../../lib/training.js';
import type { BatchRef, ExplanationPolicy, ModelRef, SelectionPolicy } from '../../workflows/review-types.js';

export const treeExplanation: ExplanationPolicy = {
  analysisConfig: { version: '1.0', methods: { shap: { method: 'tree' } } },
  chunkSize: 50,
};

export const negativesOnly: SelectionPolicy = { negatives: true, band: 0, auditRate: 0, seed: 0 };

/** An activity context of its own; the activities' routine logs stay out of the test report. */
export function activityEnvironment(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
}

/** Runs an activity as a worker would, in an activity context. */
export function runActivity<I, O>(
  activity: (input: I) => Promise<O>,
  input: I,
  env = activityEnvironment(),
): Promise<O> {
  return env.run(activity, input);
}

/** Asserts a non-retryable failure of the given type whose message matches. */
export async function assertFails(promise: Promise<unknown>, type: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, message);
    return true;
  });
}

export class LocalBackend {
  private constructor(
    readonly root: string,
    readonly store: FileObjectStore,
    readonly registry: ModelRegistry,
    /** The XGBoost JSON of the current model, `v0001`. */
    readonly modelJson: string,
    readonly model: ModelRef,
    readonly activities: ReviewActivities,
  ) {}

  /** Trains a small model with the real XGBoost library (a few rounds) and registers it as the current `v0001`. */
  static async create(options: { client?: Client } = {}): Promise<LocalBackend> {
    const root = await mkdtemp(join(tmpdir(), 'review-cycle-local-'));
    const trained = await trainModel({
      outDir: join(root, 'model'),
      hyperparameters: { num_round: '8', max_depth: '3' },
    });
    const modelJson = await readFile(trained.modelPath, 'utf8');
    const store = new FileObjectStore(join(root, 'objects'));
    const registry = new ModelRegistry(store);
    const { version, modelKey } = await registry.register({
      model: modelJson,
      metrics: trained.metrics,
      reason: 'initial',
    });
    await registry.setCurrent(version);
    const activities = createLocalActivities({ store, registry, ...(options.client && { client: options.client }) });
    return new LocalBackend(root, store, registry, modelJson, { version, modelKey }, activities);
  }

  /** Explains a batch in chunks starting at `starts`, then merges them. */
  async explainInChunks(batch: BatchRef, explanation: ExplanationPolicy, starts: number[]): Promise<ExplanationKeys> {
    const { explainChunk, mergeExplanations } = this.activities;
    const partialKeys: string[] = [];
    for (const [index, start] of starts.entries()) {
      const end = starts[index + 1] ?? batch.rows;
      const input = { batch, model: this.model, explanation, start, end };
      partialKeys.push((await runActivity(explainChunk, input)).partialKey);
    }
    return runActivity(mergeExplanations, { batch, explanation, partialKeys });
  }

  /** Takes batch `index` of the stream for a pipeline, scores it and explains it with TreeSHAP. */
  async scoredBatch(pipelineId: string, index: number, size: number) {
    const batchInput = { pipelineId, batchIndex: index, batchSize: size };
    const batch = (await runActivity(this.activities.prepareBatch, batchInput))!;
    const { predictionsKey } = await runActivity(this.activities.transformBatch, { batch, model: this.model });
    const explanations = await this.explainInChunks(batch, treeExplanation, [0]);
    return { batch, predictionsKey, explanations };
  }

  async probabilities(predictionsKey: string): Promise<number[]> {
    return (await getText(this.store, predictionsKey)).trim().split('\n').map(Number);
  }

  /**
   * The records of stream batch `index` that the model scores below 0.5, in row order, with their true labels: what
   * a pipeline with the default selection sends for review, worked out without the pipeline.
   */
  negatives(index: number, size: number): { rowId: string; trueLabel: number }[] {
    const rows = streamBatch(index, size)!;
    const probabilities = predictProbabilities(parseXGBoostModel(this.modelJson), rows.features);
    return rows.rowIds
      .map((rowId, r) => ({ rowId, trueLabel: rows.labels[r]!, probability: probabilities[r]! }))
      .filter(({ probability }) => probability < 0.5)
      .map(({ rowId, trueLabel }) => ({ rowId, trueLabel }));
  }

  /**
   * Asserts that the pipeline's ground truth holds stream batches 0 to `batches` - 1, in order, and in them exactly
   * the records each batch sends for review, none twice.
   */
  async assertGroundTruthOfFirstBatches(pipelineId: string, batchSize: number, batches: number): Promise<void> {
    const manifest = await latestManifest(this.store, pipelineId);
    const batchIds = Array.from({ length: batches }, (_, index) => streamBatchId(index));
    assert.deepEqual(
      manifest?.parts.map((part) => part.batchId),
      batchIds,
    );
    const { rows } = await readGroundTruth(this.store, manifestKey(pipelineId, manifest.version));
    const rowIds = rows.map((row) => row.row_id);
    assert.equal(new Set(rowIds).size, rowIds.length, 'no record is in the ground truth twice');
    const expected = batchIds.flatMap((_, index) => this.negatives(index, batchSize)).map((record) => record.rowId);
    assert.deepEqual(rowIds, expected);
  }

  remove(): Promise<void> {
    return rm(this.root, { recursive: true, force: true });
  }
}
