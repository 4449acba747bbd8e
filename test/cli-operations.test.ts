import { WorkflowNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSplit } from '../domain/dataset.js';
import { startPipeline } from '../lib/pipeline-client.js';
import { openTasksQuery, type OpenTask } from '../lib/task-client.js';
import { projectRoot } from '../lib/tools.js';
import { getCycleStatusQuery, getTaskViewQuery, reviewCycleTaskQueue, workflowIds } from '../workflows/definitions.js';
import type { CycleStatus } from '../workflows/review-types.js';
import { LocalBackend } from './helpers/local-backend.js';
import { sharedWorkflowBundle } from '../lib/workflow-bundle.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startLocalEnvironment, uniqueId } from './helpers/temporal.js';
import { eventually } from './helpers/eventually.js';

let env: TestWorkflowEnvironment;
let backend: LocalBackend;
let scratch: string;

before(async () => {
  env = await startLocalEnvironment();
  backend = await LocalBackend.create({ client: env.client });
  scratch = await mkdtemp(join(tmpdir(), 'review-cycle-cli-'));
});

after(async () => {
  await env?.teardown();
  await backend?.remove();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `review-cycle` as a user would, against the test server; it reaches the worker only through Temporal, and
 * reads the worker's object store to find where a pipeline stopped.
 */
function cli(...args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'review-cycle.js'), ...args], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      REVIEW_CYCLE_OBJECTS: backend.store.root,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Asserts that the command was refused as bad input, with a message that matches. */
function assertRefused(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 2, `expected exit 2, got ${result.code}: ${result.stdout}${result.stderr}`);
  assert.match(result.stderr, message);
}

function assertSucceeded(result: CliResult): void {
  assert.equal(result.code, 0, `expected exit 0, got ${result.code}: ${result.stdout}${result.stderr}`);
}

async function listWorkflows(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of env.client.workflow.list({ query })) found.push(info);
  return found;
}

async function assertNeverStarted(pipelineId: string): Promise<void> {
  const workflowId = workflowIds.pipeline(pipelineId);
  await assert.rejects(env.client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError);
  assert.deepEqual(await listWorkflows(`WorkflowId = '${workflowId}'`), []);
}

function cycleStatus(pipelineId: string): Promise<CycleStatus> {
  return env.client.workflow.getHandle(workflowIds.pipeline(pipelineId)).query(getCycleStatusQuery);
}

describe('the review-cycle CLI against a real Temporal server', () => {
  it('refuses a bad configuration with exit 2, naming the field or flag, and starts nothing', async () => {
    const pipelineId = uniqueId('p-bad');
    const configFile = join(scratch, 'bad-config.json');
    await writeFile(configFile, JSON.stringify({ threshold: 1.5, retrain: { kind: 'weekly' }, batchSzie: 10 }));

    const fromFile = await cli('pipeline', 'start', '--pipeline', pipelineId, '--config', configFile);
    assertRefused(fromFile, /bad-config\.json: /);
    assert.match(fromFile.stderr, /batchSzie is not a configuration field/);
    assert.match(fromFile.stderr, /threshold must be a number between 0 and 1, exclusive, not 1\.5/);
    assert.match(fromFile.stderr, /retrain\.kind must be one of "never", "overturn-rate", not "weekly"/);

    const batchSize = await cli('pipeline', 'start', '--pipeline', pipelineId, '--batch-size', '0');
    assertRefused(batchSize, /--batch-size must be a whole number of at least 1, not 0/);
    const threshold = await cli('cycle', '--pipeline', pipelineId, '--threshold', '1');
    assertRefused(threshold, /--threshold must be a number between 0 and 1, exclusive, not 1/);
    const schedule = await cli('schedule', 'create', '--pipeline', pipelineId, '--reviewer', 'robot');
    assertRefused(schedule, /--reviewer must be human or oracle, not 'robot'/);

    await assertNeverStarted(pipelineId);
    await assert.rejects(env.client.schedule.getHandle(workflowIds.schedule(pipelineId)).describe());
  });

  it('runs a human-reviewed pipeline: lists and shows its tasks, takes verdicts the task accepts', async () => {
    const pipelineId = uniqueId('p-human');
    const workflowId = workflowIds.pipeline(pipelineId);
    await withStubWorker(env, reviewCycleTaskQueue, backend.activities, async () => {
      const started = await cli(
        ...['pipeline', 'start', '--pipeline', pipelineId, '--reviewer', 'human', '--batch-size', '10'],
        ...['--batches', '1'],
      );
      assertSucceeded(started);
      assert.match(started.stdout, new RegExp(`workflow ${workflowId}`));
      assert.match(started.stdout, new RegExp(`http://\\S+/namespaces/default/workflows/${workflowId}`));
      try {
        const again = await cli('pipeline', 'start', '--pipeline', pipelineId, '--batch-size', '10');
        assertRefused(again, new RegExp(`pipeline ${pipelineId} is already running \\(workflow ${workflowId}\\)`));
        assert.match(again.stderr, new RegExp(`review-cycle status --pipeline ${pipelineId}`));
        assert.match(again.stderr, new RegExp(`temporal workflow cancel --workflow-id ${workflowId}`));

        const status = await eventually(async () => {
          const current = await cycleStatus(pipelineId);
          return current.phase === 'AWAITING_REVIEW' && current.openTasks.length > 0 ? current : undefined;
        }, 'review tasks opened');
        const expected = [...status.openTasks].sort();
        await eventually(async () => {
          const listed = await listWorkflows(openTasksQuery({ pipelineId }));
          return listed.length === expected.length ? listed : undefined;
        }, 'open tasks visible');

        const listing = await cli('tasks', '--pipeline', pipelineId, '--json');
        assertSucceeded(listing);
        const tasks = JSON.parse(listing.stdout) as OpenTask[];
        assert.deepEqual(tasks.map((task) => task.taskId).sort(), expected);
        for (const task of tasks) {
          assert.equal(task.pipelineId, pipelineId);
          assert.equal(task.batchId, 'stream-0000');
          assert.equal(task.pending, task.records);
          assert.ok(task.expiresAt !== undefined && task.expiresAt > task.startedAt);
        }

        const taskId = tasks[0]!.taskId;
        const task = env.client.workflow.getHandle(taskId);
        const [first, second] = (await task.query(getTaskViewQuery)).records;
        const shown = await cli('task', 'show', taskId);
        assertSucceeded(shown);
        assert.match(shown.stdout, new RegExp(`Record ${first!.rowId} \\(row ${first!.rowNumber}\\)`));
        assert.match(shown.stdout, /PENDING/);

        const verdict = ['verdict', '--task', taskId, '--row', first!.rowId, '--reviewer', 'alice'];
        const noReason = await cli(...verdict, '--disagree');
        assertRefused(noReason, new RegExp(`Record ${first!.rowId}: a disagree verdict needs a reason`));
        const wrongRecord = await cli(
          'verdict',
          '--task',
          taskId,
          '--row',
          'no-such-row',
          '--agree',
          '--reviewer',
          'a',
        );
        assertRefused(wrongRecord, new RegExp(`Task ${taskId} has no record no-such-row`));
        const unknownTask = await cli('task', 'show', `${taskId}-nope`);
        assertRefused(unknownTask, new RegExp(`there is no review task ${taskId}-nope`));
        assert.equal((await task.query(getTaskViewQuery)).records[0]!.decision.status, 'PENDING');

        assertSucceeded(await cli(...verdict, '--disagree', '--reason', 'Capital gains put this household above 50K'));
        const decided = (await task.query(getTaskViewQuery)).records;
        assert.deepEqual(
          decided.map(({ rowId, decision: { status, reason, reviewerId } }) => ({ rowId, status, reason, reviewerId })),
          [
            {
              rowId: first!.rowId,
              status: 'DISAGREED',
              reason: 'Capital gains put this household above 50K',
              reviewerId: 'alice',
            },
            ...decided
              .slice(1)
              .map(({ rowId }) => ({ rowId, status: 'PENDING', reason: undefined, reviewerId: undefined })),
          ],
        );
        assert.equal(decided[1]!.rowId, second!.rowId);
      } finally {
        // Cancelled, the pipeline closes its tasks and waits for them, so nothing is left for a later worker.
        const pipeline = env.client.workflow.getHandle(workflowId);
        await pipeline.cancel();
        await pipeline.result().catch(() => undefined);
      }
    });
  });

  it('starts a stopped pipeline again where it stopped: the next batch, at its own batch size', async () => {
    const pipelineId = uniqueId('p-resume');
    const oneBatch = ['pipeline', 'start', '--pipeline', pipelineId, '--reviewer', 'oracle', '--batches', '1'];
    await withStubWorker(env, reviewCycleTaskQueue, backend.activities, async () => {
      const first = await cli(...oneBatch, '--batch-size', '10', '--wait');
      assertSucceeded(first);
      assert.match(first.stdout, /It starts at stream-0000, 10 records a batch, no ground truth yet\./);

      const resized = await cli(...oneBatch, '--batch-size', '25');
      assertRefused(resized, new RegExp(`pipeline ${pipelineId} takes batches of 10 records, not 25`));

      const second = await cli(...oneBatch, '--wait');
      assertSucceeded(second);
      assert.match(second.stdout, /It starts at stream-0001, 10 records a batch, ground truth v0001 so far\./);
      assert.match(second.stdout, /stopped \(max-batches\): 1 batch: 10 records scored/);
    });

    await backend.assertGroundTruthOfFirstBatches(pipelineId, 10, 2);
  });

  it('says so and starts nothing when the pipeline has taken the whole stream', async () => {
    const pipelineId = uniqueId('p-ended');
    const lastBatch = Math.ceil(loadSplit('stream').rowIds.length / 10) - 1;
    const handle = env.client.workflow.getHandle(workflowIds.pipeline(pipelineId));
    await withStubWorker(env, reviewCycleTaskQueue, backend.activities, async () => {
      // The last batch of the stream, then the end of it.
      const config = { batchSize: 10, review: { reviewer: 'oracle' as const } };
      const cursor = { nextBatchIndex: lastBatch };
      const summary = await (await startPipeline(env.client, { pipelineId, config, cursor, maxBatches: 2 })).result();
      assert.equal(summary.stoppedBecause, 'stream-ended');
      const { runId } = await handle.describe();

      const ended = await cli('pipeline', 'start', '--pipeline', pipelineId, '--reviewer', 'oracle', '--wait');
      assertSucceeded(ended);
      const last = `stream-${String(lastBatch).padStart(4, '0')}`;
      assert.match(
        ended.stdout,
        new RegExp(`^The incoming stream is exhausted: pipeline ${pipelineId} has taken every batch, up to ${last}\\.`),
      );
      assert.equal((await handle.describe()).runId, runId, 'no new run was started');
    });
  });

  it('creates a nightly schedule whose tick, triggered now, asks an on-request pipeline for a batch', async () => {
    const pipelineId = uniqueId('p-nightly');
    const scheduleId = workflowIds.schedule(pipelineId);
    await withStubWorker(env, reviewCycleTaskQueue, backend.activities, async () => {
      const created = await cli(
        'schedule',
        'create',
        '--pipeline',
        pipelineId,
        '--reviewer',
        'oracle',
        '--batch-size',
        '10',
      );
      assertSucceeded(created);
      assert.match(created.stdout, /cron '0 2 \* \* \*' \(UTC\)/);
      const again = await cli('schedule', 'create', '--pipeline', pipelineId);
      assertRefused(again, new RegExp(`pipeline ${pipelineId} already has a schedule`));
      try {
        assertSucceeded(await cli('schedule', 'trigger', '--pipeline', pipelineId));
        const schedule = env.client.schedule.getHandle(scheduleId);
        const tickId = await eventually(async () => {
          const [action] = (await schedule.describe()).info.recentActions;
          return action?.action.workflow.workflowId;
        }, 'the schedule took its action');
        const tick = env.client.workflow.getHandle(tickId);
        assert.equal((await tick.describe()).type, 'NightlyTickWorkflow');
        assert.deepEqual(await tick.result(), { workflowId: workflowIds.pipeline(pipelineId), count: 1 });

        const status = await eventually(async () => {
          const current = await cycleStatus(pipelineId).catch(() => undefined);
          return current?.state.totals.batches === 1 && current.phase === 'WAITING_FOR_REQUEST' ? current : undefined;
        }, 'the requested batch reviewed');
        assert.equal(status.state.requestedBatches, 0);
        assert.equal(status.state.totals.scored, 10);

        assertSucceeded(await cli('schedule', 'pause', '--pipeline', pipelineId, '--note', 'model retraining'));
        const { paused, note } = (await schedule.describe()).state;
        assert.deepEqual({ paused, note }, { paused: true, note: 'model retraining' });
        assertSucceeded(await cli('schedule', 'delete', '--pipeline', pipelineId));
        await assert.rejects(schedule.describe());
      } finally {
        await env.client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
        await env.client.workflow.getHandle(workflowIds.pipeline(pipelineId)).terminate('test done');
      }
    });
  });

  it('runs a single cycle to its summary and exports its history, which replays without error', async () => {
    const pipelineId = uniqueId('p-cycle');
    const workflowId = workflowIds.pipeline(pipelineId);
    const out = join(scratch, 'history', `${pipelineId}.json`);
    await withStubWorker(env, reviewCycleTaskQueue, backend.activities, async () => {
      const cycle = await cli(
        'cycle',
        '--pipeline',
        pipelineId,
        '--reviewer',
        'oracle',
        '--batch-size',
        '10',
        '--wait',
      );
      assertSucceeded(cycle);
      assert.match(cycle.stdout, /stopped \(max-batches\): 1 batch: 10 records scored, \d+ sent for review/);

      const exported = await cli('history', 'export', '--workflow-id', workflowId, '--out', out);
      assertSucceeded(exported);
    });

    const history = historyFromJSON(JSON.parse(await readFile(out, 'utf8')));
    assert.ok((history.events ?? []).length > 10);
    await Worker.runReplayHistory(
      { workflowBundle: await sharedWorkflowBundle(), replayName: 'cli-export' },
      history,
      workflowId,
    );

    const missing = await cli('history', 'export', '--workflow-id', `${workflowId}-nope`, '--out', out);
    assertRefused(missing, new RegExp(`there is no workflow ${workflowId}-nope`));
  });
});
