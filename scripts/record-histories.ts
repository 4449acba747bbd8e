/**
 * Regenerates the workflow histories under test/histories/ that test/replay.test.ts replays against the current
 * workflow code. Run it after a deliberate change of a workflow's commands, commit the new files, and mind that the
 * old histories stand for runs already in flight:
 *
 *   node --import tsx scripts/record-histories.ts
 *
 * Each workflow runs on the time-skipping test server, with in-memory stand-ins for the outside systems, so the
 * histories hold the orchestration alone and no machine-specific path.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../lib/tools.js';
import { ReviewRecorder, sampleRecords } from '../test/helpers/review-recorder.js';
import { stubCycleActivities } from '../test/helpers/stub-cycle-activities.js';
import { withStubWorker } from '../test/helpers/stub-worker.js';
import { startTimeSkippingEnvironment } from '../test/helpers/temporal.js';
import { getCycleStatusQuery, submitVerdictsUpdate, workflowIds } from '../workflows/definitions.js';
import { HumanReviewWorkflow, NightlyTickWorkflow, ReviewCycleWorkflow } from '../workflows/index.js';
import { initialReviewCycleState, resolvePipelineConfig } from '../workflows/pipeline-config.js';

/** Where the replay test finds the histories. */
const historiesDir = join(projectRoot, 'test', 'histories');

const taskQueue = 'record-histories';

async function main(): Promise<void> {
  const env = await startTimeSkippingEnvironment();
  try {
    const recorder = new ReviewRecorder();
    const stubs = stubCycleActivities(
      { client: env.client, taskQueue, recorder },
      { batches: 3, rowsPerBatch: 8, selectedPerBatch: 4 },
    );
    await withStubWorker(env, taskQueue, stubs, async () => {
      await save('human-review-reminded-decided-expired', await recordReviewTask(env));
      await save('review-cycle-one-batch', await recordOneBatch(env.client));
      await save('nightly-tick', await recordNightlyTick(env.client));
    });
  } finally {
    await env.teardown();
  }
}

/** A task that is reminded after a day, gets verdicts on two records on day 2, and expires the third on day 7. */
async function recordReviewTask(env: TestWorkflowEnvironment): Promise<WorkflowHandle> {
  const taskId = 'review-task-recorded-stream-0000-001';
  const records = sampleRecords('stream-0000', 3);
  const handle = await env.client.workflow.start(HumanReviewWorkflow, {
    taskQueue,
    workflowId: taskId,
    args: [
      {
        taskId,
        pipelineId: 'recorded',
        batchId: 'stream-0000',
        modelVersion: 'v0001',
        threshold: 0.5,
        records,
        remindAfter: '1 day',
        expireAfter: '7 days',
        groups: ['underwriting'],
      },
    ],
  });
  await env.sleep('26 hours');
  await handle.executeUpdate(submitVerdictsUpdate, {
    args: [
      {
        reviewerId: 'alice',
        verdicts: [
          { rowId: records[0]!.rowId, verdict: 'agree' },
          { rowId: records[1]!.rowId, verdict: 'disagree', reason: 'Capital gains put this household above 50K' },
        ],
      },
    ],
  });
  await handle.result();
  return handle;
}

/** One batch: 4 records selected, 2 review tasks of 2 records that the oracle answers, ground truth, a retrain call. */
async function recordOneBatch(client: Client): Promise<WorkflowHandle> {
  const config = resolvePipelineConfig({ batchSize: 8, review: { recordsPerTask: 2, reviewer: 'oracle' } });
  const handle = await client.workflow.start(ReviewCycleWorkflow, {
    taskQueue,
    workflowId: workflowIds.pipeline('recorded'),
    args: [{ pipelineId: 'recorded', config, maxBatches: 1, pace: 'continuous', state: initialReviewCycleState() }],
  });
  await handle.result();
  return handle;
}

/** The nightly schedule's action: asks a pipeline paced on request for a batch, starting it. */
async function recordNightlyTick(client: Client): Promise<WorkflowHandle> {
  const pipelineId = 'recorded-nightly';
  const config = resolvePipelineConfig({ batchSize: 8, review: { reviewer: 'oracle' } });
  const handle = await client.workflow.start(NightlyTickWorkflow, {
    taskQueue,
    workflowId: 'review-nightly-recorded-tick',
    args: [{ pipelineId, config }],
  });
  await handle.result();

  // The pipeline it started runs its batch, then waits for the next request; it is not part of this history.
  const pipeline = client.workflow.getHandle(workflowIds.pipeline(pipelineId));
  for (let attempt = 0; ; attempt++) {
    const status = await pipeline.query(getCycleStatusQuery).catch(() => undefined);
    if (status?.phase === 'WAITING_FOR_REQUEST' && status.state.totals.batches === 1) break;
    if (attempt === 100) throw new Error(`Pipeline ${pipelineId} never finished its first batch`);
    await delay(100);
  }
  await pipeline.terminate('History recorded');
  return handle;
}

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  const file = join(historiesDir, `${name}.json`);
  await mkdir(historiesDir, { recursive: true });
  await writeFile(`${file}.tmp`, `${historyToJSON(history)}\n`);
  await rename(`${file}.tmp`, file);
  console.log(`${file}: ${history.events?.length ?? 0} events of ${handle.workflowId}`);
}

await main();
