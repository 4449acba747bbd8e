import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReviewActivities } from '../activities/interfaces.js';
import { batchPrefix, streamBatchId } from '../activities/local/batch-objects.js';
import { groundTruthPrefix, manifestKey, readGroundTruth } from '../activities/local/ground-truth.js';
import { decisionsFromOutput, type ReviewOutput } from '../activities/local/review-output.js';
import { logger } from '../lib/logger.js';
import { getJson } from '../lib/object-store.js';
import { startPipeline } from '../lib/pipeline-client.js';
import { LocalBackend } from './helpers/local-backend.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startLocalEnvironment, uniqueId } from './helpers/temporal.js';

// The worker logs each failure injected below as a warning; they are expected, so only errors reach the report.
logger.level = 'error';

const batchSize = 20;
const batches = 3;

let env: TestWorkflowEnvironment;
let backend: LocalBackend;

before(async () => {
  env = await startLocalEnvironment();
  backend = await LocalBackend.create({ client: env.client });
});

after(async () => {
  await env?.teardown();
  await backend?.remove();
});

/**
 * The activities with `names` made to do their work on the first attempt and then fail with a retryable error, as
 * when a worker dies before the server hears back; `injected` counts the failures by activity.
 */
function failingAfterFirstAttempt(
  activities: ReviewActivities,
  names: (keyof ReviewActivities)[],
): { activities: ReviewActivities; injected: Map<string, number> } {
  const injected = new Map<string, number>();
  const wrapped: Record<string, unknown> = { ...activities };
  for (const name of names) {
    const real = activities[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = async (input: unknown) => {
      const result = await real(input);
      if (activityInfo().attempt > 1) return result;
      injected.set(name, (injected.get(name) ?? 0) + 1);
      throw ApplicationFailure.retryable(`${name} did its work, then lost the answer`, 'InjectedFailure');
    };
  }
  return { activities: wrapped as unknown as ReviewActivities, injected };
}

/** What the oracle must have said on batch `index`: every negative outcome, in row order, with its true label. */
function expectedReviews(index: number): { rowId: string; trueLabel: number; verdict: 'agree' | 'disagree' }[] {
  return backend
    .negatives(index, batchSize)
    .map((record) => ({ ...record, verdict: record.trueLabel === 0 ? 'agree' : 'disagree' }));
}

describe('a review pipeline end to end on a real Temporal server, with the local backend', () => {
  it('reviews 3 batches with the oracle into ground truth v0001..v0003, nothing duplicated by retries', async () => {
    const pipelineId = uniqueId('e2e');
    const taskQueue = uniqueId('e2e');
    const { activities, injected } = failingAfterFirstAttempt(backend.activities, [
      'writeGroundTruth',
      'recordVerdict',
    ]);

    const summary = await withStubWorker(env, taskQueue, activities, async () => {
      const handle = await startPipeline(env.client, {
        pipelineId,
        taskQueue,
        maxBatches: batches,
        config: { batchSize, review: { reviewer: 'oracle' } },
      });
      return handle.result();
    });

    const expected = [0, 1, 2].map(expectedReviews);
    const all = expected.flat();
    assert.ok(
      all.some((review) => review.verdict === 'disagree'),
      'the model got some negatives wrong',
    );
    assert.deepEqual(summary, {
      pipelineId,
      totals: {
        batches,
        scored: batches * batchSize,
        sentForReview: all.length,
        agreed: all.filter((review) => review.verdict === 'agree').length,
        overturned: all.filter((review) => review.verdict === 'disagree').length,
        expired: 0,
      },
      nextBatchIndex: batches,
      groundTruthVersion: 'v0003',
      stoppedBecause: 'max-batches',
    });

    // One version per batch, each listing the batches so far; one part per batch.
    const versions = await backend.store.list(`${groundTruthPrefix(pipelineId)}/v`);
    assert.deepEqual(
      versions.map((info) => info.key),
      ['v0001', 'v0002', 'v0003'].map((version) => manifestKey(pipelineId, version)),
    );
    assert.equal((await backend.store.list(`${groundTruthPrefix(pipelineId)}/parts/`)).length, batches);
    for (const [index, version] of ['v0001', 'v0002', 'v0003'].entries()) {
      const { manifest } = await readGroundTruth(backend.store, manifestKey(pipelineId, version));
      assert.deepEqual(
        manifest.parts.map((part) => [part.batchId, part.addedIn]),
        expected.slice(0, index + 1).map((_, b) => [streamBatchId(b), `v000${b + 1}`]),
      );
    }

    // The ground truth holds exactly the reviewed records, once each, as the oracle judged them.
    const { manifest, rows } = await readGroundTruth(backend.store, manifestKey(pipelineId, 'v0003'));
    assert.equal(manifest.rows, all.length);
    assert.deepEqual(
      rows.map((row) => [row.batch_id, row.row_id]),
      expected.flatMap((reviews, b) => reviews.map((review) => [streamBatchId(b), review.rowId])),
    );
    for (const [r, row] of rows.entries()) {
      const review = all[r]!;
      assert.equal(row.human_label, String(review.trueLabel), `human label of ${row.row_id}`);
      assert.equal(row.verdict, review.verdict, `verdict on ${row.row_id}`);
      assert.equal(row.status, review.verdict === 'agree' ? 'AGREED' : 'DISAGREED');
      assert.equal(row.predicted_label, '0');
      assert.equal(row.reviewer_id, 'oracle');
      assert.equal(row.model_version, backend.model.version);
    }

    // One verdict object per reviewed record, with one answer, the one the ground truth holds.
    for (const [b, reviews] of expected.entries()) {
      const outputs = await backend.store.list(`${batchPrefix(pipelineId, streamBatchId(b))}/reviews/`);
      assert.equal(outputs.length, reviews.length, `verdict objects of ${streamBatchId(b)}`);
    }
    for (const row of rows) {
      const output = await getJson<ReviewOutput>(backend.store, row.verdict_key!);
      assert.equal(output.humanAnswers.length, 1);
      const [decision] = decisionsFromOutput(output, row.verdict_key!);
      assert.deepEqual([decision!.rowId, decision!.status], [row.row_id, row.status]);
    }

    // Every first attempt of both activities failed after doing its work, so every write above was retried.
    assert.equal(injected.get('writeGroundTruth'), batches);
    assert.equal(injected.get('recordVerdict'), all.length);
  });
});
