import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReviewActivities } from '../activities/interfaces.js';
import { readBatchRows } from '../activities/local/batch-objects.js';
import { readGroundTruth } from '../activities/local/ground-truth.js';
import { decisionsFromOutput, type ReviewOutput } from '../activities/local/review-output.js';
import { loadSplit } from '../domain/dataset.js';
import { getJson } from '../lib/object-store.js';
import { startPipeline } from '../lib/pipeline-client.js';
import { getCycleStatusQuery, workflowIds } from '../workflows/definitions.js';
import { HumanReviewWorkflow } from '../workflows/index.js';
import { resolvePipelineConfig } from '../workflows/pipeline-config.js';
import type { CycleStatus, ReviewRecord } from '../workflows/review-types.js';
import { activityEnvironment, LocalBackend, runActivity } from './helpers/local-backend.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startLocalEnvironment, uniqueId } from './helpers/temporal.js';
import { eventually } from './helpers/eventually.js';

let env: TestWorkflowEnvironment;
let backend: LocalBackend;
let activities: ReviewActivities;

before(async () => {
  env = await startLocalEnvironment();
  backend = await LocalBackend.create({ client: env.client });
  activities = backend.activities;
});

after(async () => {
  await env?.teardown();
  await backend?.remove();
});

function run<I, O>(activity: (input: I) => Promise<O>, input: I, taskQueue?: string): Promise<O> {
  return runActivity(activity, input, activityEnvironment(taskQueue === undefined ? {} : { taskQueue }));
}

describe('the oracle reviewer and batch requests on a real Temporal server', () => {
  it('answers a review task through its update: agree where the model was right, disagree with the label', async () => {
    const pipelineId = uniqueId('p-oracle');
    const model = await run(activities.resolveModel, { modelVersion: 'current' });
    const batch = (await run(activities.prepareBatch, { pipelineId, batchIndex: 0, batchSize: 40 }))!;
    const { predictionsKey } = await run(activities.transformBatch, { batch, model });
    const explanation = resolvePipelineConfig().explanation;
    const partial = await run(activities.explainChunk, { batch, model, explanation, start: 0, end: batch.rows });
    const explanations = await run(activities.mergeExplanations, {
      batch,
      explanation,
      partialKeys: [partial.partialKey],
    });
    const selected = await run(activities.selectRecords, {
      batch,
      predictionsKey,
      explanations,
      threshold: 0.5,
      selection: { negatives: true, band: 0, auditRate: 1, seed: 0 },
    });

    const { rowIds, labels } = await readBatchRows(backend.store, batch);
    const truth = new Map(rowIds.map((rowId, r) => [rowId, labels[r]!]));
    const right = selected.filter((record) => truth.get(record.rowId) === record.predictedLabel);
    const wrong = selected.filter((record) => truth.get(record.rowId) !== record.predictedLabel);
    assert.ok(right.length >= 2 && wrong.length >= 1, 'the batch has records the model got right and wrong');
    const records: ReviewRecord[] = [right[0]!, wrong[0]!, right[1]!];

    const taskQueue = uniqueId('oracle');
    const taskId = uniqueId('task');
    await withStubWorker(env, taskQueue, activities, async () => {
      const handle = await env.client.workflow.start(HumanReviewWorkflow, {
        taskQueue,
        workflowId: taskId,
        args: [
          {
            taskId,
            pipelineId,
            batchId: batch.batchId,
            modelVersion: model.version,
            threshold: 0.5,
            records,
            remindAfter: '1 day',
            expireAfter: '7 days',
            groups: [],
          },
        ],
      });
      await run(activities.answerAsOracle, { taskWorkflowId: taskId, batch, records });
      const result = await handle.result();

      const outcome = (label: number) => (label === 1 ? '>50K' : '<=50K');
      assert.equal(result.status, 'DECIDED');
      assert.deepEqual(
        result.decisions.map(({ rowId, status, reason, reviewerId }) => ({ rowId, status, reason, reviewerId })),
        [
          { rowId: records[0]!.rowId, status: 'AGREED', reason: undefined, reviewerId: 'oracle' },
          {
            rowId: records[1]!.rowId,
            status: 'DISAGREED',
            reason: `true label is ${outcome(truth.get(records[1]!.rowId)!)}`,
            reviewerId: 'oracle',
          },
          { rowId: records[2]!.rowId, status: 'AGREED', reason: undefined, reviewerId: 'oracle' },
        ],
      );
      for (const decision of result.decisions) {
        const output = await getJson<ReviewOutput>(backend.store, decision.outputKey!);
        assert.deepEqual(decisionsFromOutput(output, decision.outputKey!), [decision]);
      }

      // Asked again, the oracle finds nothing left to answer.
      await run(activities.answerAsOracle, { taskWorkflowId: taskId, batch, records });
    });
  });

  it('starts a pipeline on request; its oracle-reviewed batch becomes ground truth with the true labels', async () => {
    const pipelineId = uniqueId('p-request');
    const taskQueue = uniqueId('pipeline');
    const config = resolvePipelineConfig({ batchSize: 12, review: { reviewer: 'oracle' } });
    await withStubWorker(env, taskQueue, activities, async () => {
      const { workflowId } = await run(
        activities.requestBatches,
        { pipelineId, config, count: 1, by: 'test' },
        taskQueue,
      );
      assert.equal(workflowId, workflowIds.pipeline(pipelineId));
      const handle = env.client.workflow.getHandle(workflowId);
      try {
        const status = await eventually<CycleStatus>(async () => {
          const current = await handle.query(getCycleStatusQuery);
          return current.state.totals.batches === 1 && current.phase === 'WAITING_FOR_REQUEST' ? current : undefined;
        }, 'batch 0 reviewed');

        assert.equal(status.state.groundTruthVersion, 'v0001');
        const { rows } = await readGroundTruth(
          backend.store,
          `pipelines/${pipelineId}/ground-truth/${status.state.groundTruthVersion}/manifest.json`,
        );
        assert.equal(rows.length, status.state.totals.sentForReview);
        assert.ok(rows.length > 0);
        const rowsKey = `pipelines/${pipelineId}/batches/stream-0000/rows.csv`;
        const { rowIds, labels } = await readBatchRows(backend.store, { rowsKey });
        const truth = new Map(rowIds.map((rowId, r) => [rowId, String(labels[r])]));
        for (const row of rows) {
          assert.equal(row.reviewer_id, 'oracle');
          assert.equal(row.human_label, truth.get(row.row_id));
        }
      } finally {
        await handle.terminate('test done');
      }
    });
  });

  it('starts a stopped pipeline on request at its next batch and its own batch size: no record twice', async () => {
    const pipelineId = uniqueId('p-resume');
    const taskQueue = uniqueId('pipeline');
    const workflowId = workflowIds.pipeline(pipelineId);
    const review = { reviewer: 'oracle' as const };
    await withStubWorker(env, taskQueue, activities, async () => {
      const first = await startPipeline(env.client, {
        pipelineId,
        config: { batchSize: 12, review },
        maxBatches: 1,
        taskQueue,
      });
      assert.equal((await first.result()).stoppedBecause, 'max-batches');

      // The request's configuration asks for another batch size, which the pipeline does not take.
      const config = resolvePipelineConfig({ batchSize: 20, review });
      const result = await run(activities.requestBatches, { pipelineId, config, count: 1, by: 'test' }, taskQueue);
      assert.deepEqual(result, { workflowId });
      const handle = env.client.workflow.getHandle(workflowId);
      try {
        const status = await eventually<CycleStatus>(async () => {
          const current = await handle.query(getCycleStatusQuery);
          return current.state.totals.batches === 1 && current.phase === 'WAITING_FOR_REQUEST' ? current : undefined;
        }, 'the requested batch reviewed');
        assert.equal(status.state.nextBatchIndex, 2);
        assert.equal(status.state.totals.scored, 12);
        assert.equal(status.state.groundTruthVersion, 'v0002');
      } finally {
        // A run that failed is closed already, and the failure above is the one to report.
        await handle.terminate('test done').catch(() => undefined);
      }
    });

    await backend.assertGroundTruthOfFirstBatches(pipelineId, 12, 2);
  });

  it('starts nothing on request when the pipeline has taken the whole stream, and says so', async () => {
    const pipelineId = uniqueId('p-ended');
    const taskQueue = uniqueId('pipeline');
    const workflowId = workflowIds.pipeline(pipelineId);
    const config = resolvePipelineConfig({ batchSize: 10, review: { reviewer: 'oracle' } });
    const lastBatch = Math.ceil(loadSplit('stream').rowIds.length / config.batchSize) - 1;
    await withStubWorker(env, taskQueue, activities, async () => {
      const cursor = { nextBatchIndex: lastBatch };
      const ended = await startPipeline(env.client, { pipelineId, config, cursor, maxBatches: 2, taskQueue });
      assert.equal((await ended.result()).stoppedBecause, 'stream-ended');
      const { runId } = await ended.describe();

      const result = await run(activities.requestBatches, { pipelineId, config, count: 1, by: 'test' }, taskQueue);
      assert.deepEqual(result, { workflowId, streamEnded: true });
      const latest = await env.client.workflow.getHandle(workflowId).describe();
      assert.deepEqual({ runId: latest.runId, status: latest.status.name }, { runId, status: 'COMPLETED' });
    });
  });
});
