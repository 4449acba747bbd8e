import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groundTruthPrefix, latestManifest } from '../activities/local/ground-truth.js';
import { loadSplit } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { startPipeline } from '../lib/pipeline-client.js';
import { runPipelineJob, type MainJobContext, type MainJobOptions } from '../scripts/main-job.js';
import { getCycleStatusQuery, getTaskViewQuery, submitVerdictsUpdate, workflowIds } from '../workflows/definitions.js';
import type { CycleStatus } from '../workflows/review-types.js';
import { LocalBackend } from './helpers/local-backend.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startLocalEnvironment, uniqueId } from './helpers/temporal.js';
import { eventually } from './helpers/eventually.js';

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

/** Runs the main job's pipeline part as `npm start` does, collecting what it prints in `lines`. */
async function runJob(
  taskQueue: string,
  options: MainJobOptions,
  { signal = new AbortController().signal, lines = [] as string[] } = {},
): Promise<{ lines: string[]; report: string[]; keepRunning: boolean }> {
  const context: MainJobContext = {
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    store: backend.store,
    uiUrl: 'http://localhost:8233',
    signal,
    print: (line) => lines.push(line),
  };
  return { lines, ...(await runPipelineJob(context, options)) };
}

/** Starts one 10-record batch for human reviewers and waits until all its selected records wait for them. */
async function startWaitingForPeople(taskQueue: string, pipelineId: string) {
  const started = runJob(taskQueue, { pipelineId, reviewer: 'human', batches: 1, batchSize: 10 });
  const handle = env.client.workflow.getHandle(workflowIds.pipeline(pipelineId));
  const sent = backend.negatives(0, 10).length;
  const waiting = await eventually<CycleStatus>(async () => {
    const status = await handle.query(getCycleStatusQuery).catch(() => undefined);
    return status?.phase === 'AWAITING_REVIEW' && status.pendingReviews === sent ? status : undefined;
  }, `${sent} records waiting for people`);
  return { started, handle, sent, waiting };
}

const summaryLine = (pipelineId: string, batches: number, scored: number, groundTruth: string) =>
  new RegExp(
    `^Pipeline ${pipelineId}, ${batches} batch(es)?: ${scored} records scored, \\d+ sent for review, \\d+ agreed, ` +
      `\\d+ overturned, 0 expired; ground truth ${groundTruth}$`,
  );

describe("npm start's main job on a real Temporal server", () => {
  it('stops after --batches with the summary last, and a second start continues with the next batch', async () => {
    const pipelineId = uniqueId('main');
    const taskQueue = uniqueId('main-job');
    await withStubWorker(env, taskQueue, backend.activities, async () => {
      const first = await runJob(taskQueue, { pipelineId, reviewer: 'oracle', batches: 1, batchSize: 10 });
      assert.equal(first.keepRunning, false);
      assert.match(first.report.at(-1)!, summaryLine(pipelineId, 1, 10, 'v0001'));
      assert.ok(
        first.lines.includes(
          `Started pipeline ${pipelineId} at stream-0000, 10 records a batch, for 1 batch; ` +
            'the oracle answers every task.',
        ),
      );
      const workflowId = workflowIds.pipeline(pipelineId);
      assert.ok(
        first.lines.includes(
          `Pipeline in the Web UI: http://localhost:8233/namespaces/default/workflows/${workflowId}`,
        ),
      );

      // The batch size is the pipeline's own once it has taken a batch.
      const second = await runJob(taskQueue, { pipelineId, reviewer: 'oracle', batches: 2 });
      assert.ok(
        second.lines.some((line) => line.startsWith(`Started pipeline ${pipelineId} at stream-0001, 10 records`)),
      );
      assert.match(second.report.at(-1)!, summaryLine(pipelineId, 2, 20, 'v0003'));
      const manifest = await latestManifest(backend.store, pipelineId);
      assert.deepEqual(
        manifest?.parts.map((part) => part.batchId),
        ['stream-0000', 'stream-0001', 'stream-0002'],
      );

      await assert.rejects(
        runJob(taskQueue, { pipelineId, reviewer: 'oracle', batches: 1, batchSize: 25 }),
        (error: unknown) => error instanceof InputError && /takes batches of 10 records, not 25/.test(error.message),
      );
      assert.equal((await env.client.workflow.getHandle(workflowId).describe()).status.name, 'COMPLETED');
    });
  });

  it('attaches to a running pipeline; stopped, it leaves the pipeline waiting for its reviewers', async () => {
    const pipelineId = uniqueId('main');
    const taskQueue = uniqueId('main-job');
    await withStubWorker(env, taskQueue, backend.activities, async () => {
      const { started, handle, sent, waiting } = await startWaitingForPeople(taskQueue, pipelineId);

      // A second start attaches, whatever it asks for; stopped, it leaves the pipeline as it is.
      const stopping = new AbortController();
      const lines: string[] = [];
      const options: MainJobOptions = { pipelineId, reviewer: 'oracle', batches: 5, batchSize: 50 };
      const attached = runJob(taskQueue, options, { signal: stopping.signal, lines });
      await eventually(
        async () => (lines.some((line) => line.startsWith('Pipeline in the Web UI')) ? true : undefined),
        'links printed',
      );
      stopping.abort();
      const stopped = await attached;
      assert.match(lines[0]!, new RegExp(`^Pipeline ${pipelineId} is already running .*; attaching to it`));
      assert.deepEqual(stopped.report, [
        `Pipeline ${pipelineId} stays open in Temporal; the next npm start attaches to it.`,
      ]);
      assert.equal((await handle.describe()).status.name, 'RUNNING');

      // People answer every task; the first start then reports the batch.
      for (const taskId of waiting.openTasks) {
        const task = env.client.workflow.getHandle(taskId);
        const view = await task.query(getTaskViewQuery);
        const verdicts = view.records.map((record) => ({ rowId: record.rowId, verdict: 'agree' as const }));
        await task.executeUpdate(submitVerdictsUpdate, { args: [{ reviewerId: 'alice', verdicts }] });
      }
      const finished = await started;
      assert.equal(
        finished.report.at(-1),
        `Pipeline ${pipelineId}, 1 batch: 10 records scored, ${sent} sent for review, ${sent} agreed, 0 overturned, ` +
          '0 expired; ground truth v0001',
      );
      assert.equal((await backend.store.list(`${groundTruthPrefix(pipelineId)}/parts/`)).length, 1);
    });
  });

  it('skips a batch whose pipeline was terminated while its tasks were open, and says so', async () => {
    const pipelineId = uniqueId('main');
    const taskQueue = uniqueId('main-job');
    await withStubWorker(env, taskQueue, backend.activities, async () => {
      const { started, handle, waiting } = await startWaitingForPeople(taskQueue, pipelineId);

      // Terminated, the pipeline writes no ground truth; its tasks record their records as cancelled.
      await handle.terminate('stopped by hand');
      await assert.rejects(started);
      for (const taskId of waiting.openTasks) {
        const task = env.client.workflow.getHandle(taskId);
        await eventually(async () => ((await task.describe()).status.name !== 'RUNNING' ? true : undefined), taskId);
      }

      const next = await runJob(taskQueue, { pipelineId, reviewer: 'oracle', batches: 1 });
      assert.ok(
        next.lines.some((line) => line.startsWith('Skipping stream-0000: a stopped run left it half reviewed')),
      );
      assert.ok(next.lines.some((line) => line.startsWith(`Started pipeline ${pipelineId} at stream-0001`)));
      const manifest = await latestManifest(backend.store, pipelineId);
      assert.deepEqual(
        manifest?.parts.map((part) => [part.batchId, part.addedIn]),
        [['stream-0001', 'v0001']],
      );
    });
  });

  it('says when the incoming stream is exhausted, and then starts nothing more', async () => {
    const pipelineId = uniqueId('main');
    const taskQueue = uniqueId('main-job');
    const batchSize = 10;
    const lastBatch = Math.ceil(loadSplit('stream').rowIds.length / batchSize) - 1;
    await withStubWorker(env, taskQueue, backend.activities, async () => {
      // A pipeline that has just taken the last batch of the stream.
      const config = { batchSize, review: { reviewer: 'oracle' as const } };
      const cursor = { nextBatchIndex: lastBatch };
      await (await startPipeline(env.client, { pipelineId, taskQueue, config, cursor, maxBatches: 1 })).result();

      const options: MainJobOptions = { pipelineId, reviewer: 'oracle', batches: 2 };
      const ended = await runJob(taskQueue, options);
      const last = `stream-${String(lastBatch).padStart(4, '0')}`;
      assert.deepEqual(ended.report, [
        `The incoming stream is exhausted: pipeline ${pipelineId} has taken every batch, up to ${last}.`,
        `Pipeline ${pipelineId}, 0 batches: 0 records scored, 0 sent for review, 0 agreed, 0 overturned, ` +
          '0 expired; ground truth v0001',
      ]);
      const handle = env.client.workflow.getHandle(workflowIds.pipeline(pipelineId));
      const { runId } = await handle.describe();

      const again = await runJob(taskQueue, { ...options, batches: undefined });
      assert.equal(again.keepRunning, true);
      assert.match(again.report[0]!, /^The incoming stream is exhausted: .*Give another --pipeline id/);
      assert.equal((await handle.describe()).runId, runId, 'no new run was started');
    });
  });
});
