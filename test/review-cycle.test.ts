import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifestKey, readGroundTruth } from '../activities/local/ground-truth.js';
import { InputError } from '../domain/errors.js';
import { startPipeline } from '../lib/pipeline-client.js';
import {
  getCycleStatusQuery,
  getTaskViewQuery,
  pendingReviewsSearchAttribute,
  submitVerdictsUpdate,
  workflowIds,
} from '../workflows/definitions.js';
import type { PipelineConfigOverrides } from '../workflows/pipeline-config.js';
import type { ReviewCycleWorkflow } from '../workflows/review-cycle.js';
import type { RecordVerdict } from '../workflows/review-types.js';
import { LocalBackend } from './helpers/local-backend.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startTimeSkippingEnvironment, uniqueId } from './helpers/temporal.js';
import { eventually } from './helpers/eventually.js';

const dayMs = 24 * 60 * 60 * 1000;
const batchSize = 12;

/** A broken workflow waits forever; this ends its test with a failure instead of hanging the run. */
const guard = { timeout: 180_000 };

let env: TestWorkflowEnvironment;
let backend: LocalBackend;

before(async () => {
  env = await startTimeSkippingEnvironment();
  backend = await LocalBackend.create();
});

after(async () => {
  await env?.teardown();
  await backend?.remove();
});

/** Waits until the pipeline's status query and its `PendingReviews` search attribute both say `pending`. */
async function untilPending(handle: WorkflowHandle<typeof ReviewCycleWorkflow>, pending: number): Promise<void> {
  await eventually(async () => {
    const status = await handle.query(getCycleStatusQuery);
    const attribute = (await handle.describe()).typedSearchAttributes.get(pendingReviewsSearchAttribute);
    return status.pendingReviews === pending && attribute === pending ? true : undefined;
  }, `${pending} records pending`);
}

describe('a review cycle with human reviewers on the time-skipping server', () => {
  it(
    'takes a verdict on day 3, expires the other tasks on day 7, records every record, then runs the next batch',
    guard,
    async () => {
      const pipelineId = uniqueId('cycle');
      const taskQueue = uniqueId('cycle');
      await withStubWorker(env, taskQueue, backend.activities, async () => {
        const options = { pipelineId, taskQueue, maxBatches: 2, config: { batchSize } };
        const handle = await startPipeline(env.client, options);
        await assert.rejects(
          startPipeline(env.client, options),
          (error: unknown) => error instanceof InputError && /is already running/.test(error.message),
        );

        const sentFirst = backend.negatives(0, batchSize).length;
        const tasks = Math.ceil(sentFirst / 3);
        assert.ok(tasks >= 2, `the first batch makes ${tasks} review tasks, expected at least 2`);
        await eventually(async () => {
          const status = await handle.query(getCycleStatusQuery);
          return status.phase === 'AWAITING_REVIEW' && status.openTasks.length === tasks ? status : undefined;
        }, `the first batch waiting for reviewers in ${tasks} tasks`);
        await untilPending(handle, sentFirst);

        // On day 3, a reviewer decides the first task, one verdict after the other.
        await env.sleep('3 days');
        const task = env.client.workflow.getHandle(workflowIds.task(pipelineId, 'stream-0000', 1));
        const view = await task.query(getTaskViewQuery);
        const [r1, r2, r3] = view.records.map((record) => record.rowId);
        const submit = (verdicts: RecordVerdict[]) =>
          task.executeUpdate(submitVerdictsUpdate, { args: [{ reviewerId: 'alice', verdicts }] });
        await submit([{ rowId: r1!, verdict: 'agree' }]);
        await untilPending(handle, sentFirst - 1);
        await submit([
          { rowId: r2!, verdict: 'disagree', reason: 'Capital gains put this household above 50K' },
          { rowId: r3!, verdict: 'agree' },
        ]);
        await untilPending(handle, sentFirst - 3);

        // Nobody answers the other tasks, nor any task of the next batch: each expires after 7 days.
        const summary = await handle.result();
        const { rows: firstRows } = await readGroundTruth(backend.store, manifestKey(pipelineId, 'v0001'));
        const { manifest, rows } = await readGroundTruth(backend.store, manifestKey(pipelineId, 'v0002'));
        const sent = manifest.rows;
        assert.equal(sent, sentFirst + backend.negatives(1, batchSize).length);
        assert.deepEqual(summary, {
          pipelineId,
          totals: {
            batches: 2,
            scored: 2 * batchSize,
            sentForReview: sent,
            agreed: 2,
            overturned: 1,
            expired: sent - 3,
          },
          nextBatchIndex: 2,
          groundTruthVersion: 'v0002',
          stoppedBecause: 'max-batches',
        });

        assert.equal(firstRows.length, sentFirst, 'every record of the first batch is in its ground truth');
        const byRow = new Map(firstRows.map((row) => [row.row_id, row]));
        assert.deepEqual(
          [r1!, r2!, r3!].map((rowId) => [byRow.get(rowId)?.status, byRow.get(rowId)?.reviewer_id]),
          [
            ['AGREED', 'alice'],
            ['DISAGREED', 'alice'],
            ['AGREED', 'alice'],
          ],
        );
        assert.equal(byRow.get(r2!)?.reason, 'Capital gains put this household above 50K');
        const decidedAfter = Date.parse(byRow.get(r1!)!.decided_at!) - Date.parse(view.createdAt);
        assert.ok(decidedAfter >= 3 * dayMs && decidedAfter < 4 * dayMs, `decided ${decidedAfter} ms after creation`);

        const expired = rows.filter((row) => ![r1, r2, r3].includes(row.row_id));
        assert.equal(expired.length, sent - 3);
        for (const row of expired) {
          assert.equal(row.status, 'EXPIRED', `status of ${row.row_id}`);
          assert.equal(row.human_label, '');
          assert.match(row.reason!, /No verdict before the task expired/);
          assert.ok(row.verdict_key !== '', `${row.row_id} has its verdict object`);
        }
        const expiredAfter = Date.parse(expired[0]!.decided_at!) - Date.parse(view.createdAt);
        assert.ok(expiredAfter >= 7 * dayMs, `expired ${expiredAfter} ms after creation`);
        assert.deepEqual(
          manifest.parts.map((part) => part.batchId),
          ['stream-0000', 'stream-0001'],
        );
      });
    },
  );

  it('rejects a bad configuration before anything runs, naming the field', guard, async () => {
    const cases: [PipelineConfigOverrides, RegExp][] = [
      [{ threshold: 1.5 }, /config\.threshold must be a number between 0 and 1, exclusive, not 1\.5/],
      [{ batchSize: 0 }, /config\.batchSize must be a whole number of at least 1, not 0/],
      [{ retrain: { kind: 'sometimes' as 'never' } }, /config\.retrain\.kind must be one of "never", "overturn-rate"/],
    ];
    for (const [config, message] of cases) {
      const pipelineId = uniqueId('bad');
      await assert.rejects(
        startPipeline(env.client, { pipelineId, config, taskQueue: uniqueId('bad') }),
        (error: unknown) => error instanceof InputError && message.test(error.message),
      );
      await assert.rejects(
        env.client.workflow.getHandle(workflowIds.pipeline(pipelineId)).describe(),
        WorkflowNotFoundError,
        `pipeline ${pipelineId} was not started`,
      );
    }
  });
});
