import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  cancelSignal,
  getTaskViewQuery,
  pendingReviewsSearchAttribute,
  reassignSignal,
  reviewStatusSearchAttribute,
  submitVerdictsUpdate,
} from '../workflows/definitions.js';
import { HumanReviewWorkflow } from '../workflows/index.js';
import type { RecordVerdict, TaskView } from '../workflows/review-types.js';
import { ReviewRecorder, sampleRecords } from './helpers/review-recorder.js';
import { withStubWorker } from './helpers/stub-worker.js';
import { startTimeSkippingEnvironment, uniqueId } from './helpers/temporal.js';

const dayMs = 24 * 60 * 60 * 1000;

/** A broken workflow waits forever; this ends its test with a failure instead of hanging the run. */
const guard = { timeout: 120_000 };

type TaskHandle = WorkflowHandle<typeof HumanReviewWorkflow>;

/** Polls `check` until it holds; the workflow clock stands still meanwhile, since nothing asks the server to skip. */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await delay(50);
  }
  assert.fail(`Never happened: ${what}`);
}

function submit(handle: TaskHandle, reviewerId: string, verdicts: RecordVerdict[]): Promise<TaskView> {
  return handle.executeUpdate(submitVerdictsUpdate, { args: [{ reviewerId, verdicts }] });
}

/** Asserts that the submission is rejected by the task's validator, with a message matching `message`. */
async function assertRejected(submission: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(submission, (error: unknown) => {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected a rejected update, got ${String(error)}`);
    assert.match(error.cause?.message ?? '', message);
    return true;
  });
}

function statuses(view: TaskView): Record<string, string> {
  return Object.fromEntries(view.records.map((record) => [record.rowId, record.decision.status]));
}

describe('a review task on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkippingEnvironment();
  });
  after(async () => {
    await env?.teardown();
  });

  /** Starts a 3-record task that reminds after 1 day and expires after 7, and runs `fn` while a worker serves it. */
  async function withTask(
    fn: (task: { handle: TaskHandle; rowIds: string[]; recorder: ReviewRecorder }) => Promise<void>,
  ): Promise<void> {
    const recorder = new ReviewRecorder();
    const taskQueue = uniqueId('human-review');
    const taskId = uniqueId('task');
    const records = sampleRecords(taskId, 3);
    await withStubWorker(env, taskQueue, recorder.activities(), async () => {
      const handle = await env.client.workflow.start(HumanReviewWorkflow, {
        taskQueue,
        workflowId: taskId,
        args: [
          {
            taskId,
            pipelineId: 'test',
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
      try {
        await fn({ handle, rowIds: records.map((record) => record.rowId), recorder });
      } finally {
        // An open task with no worker left would hold the test server's clock for every later test.
        if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
      }
    });
  }

  it('sends a reminder once the task has been open for a day, not before', guard, async () => {
    await withTask(async ({ handle, recorder }) => {
      await env.sleep('23 hours');
      assert.equal((await handle.query(getTaskViewQuery)).remindersSent, 0);
      assert.deepEqual(recorder.notificationsOf('reminder'), []);

      await env.sleep('2 hours');
      await eventually(() => recorder.notificationsOf('reminder').length === 1, 'a reminder');
      const view = await handle.query(getTaskViewQuery);
      assert.equal(view.remindersSent, 1);
      assert.equal(view.status, 'OPEN');
      assert.equal(Date.parse(view.remindAt) - Date.parse(view.createdAt), 2 * dayMs);
      assert.deepEqual(recorder.notificationsOf('reminder')[0]?.groups, ['underwriting']);
    });
  });

  it('accepts verdicts on day 3, stamps them with the workflow clock and writes each one', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1, r2, r3], recorder }) => {
      await env.sleep('3 days');
      const view = await submit(handle, 'alice', [
        { rowId: r1!, verdict: 'agree' },
        { rowId: r2!, verdict: 'disagree', reason: 'Capital gains put this household above 50K' },
      ]);

      assert.deepEqual(statuses(view), { [r1!]: 'AGREED', [r2!]: 'DISAGREED', [r3!]: 'PENDING' });
      const decided = view.records[1]!.decision;
      assert.equal(decided.reviewerId, 'alice');
      assert.equal(decided.reason, 'Capital gains put this household above 50K');
      const age = Date.parse(decided.decidedAt!) - Date.parse(view.createdAt);
      assert.ok(age >= 3 * dayMs && age < 4 * dayMs, `decided ${age} ms after the task was created`);
      const written = recorder.verdicts.map((verdict) => `${verdict.rowId} ${verdict.status}`);
      assert.deepEqual(written.sort(), [`${r1} AGREED`, `${r2} DISAGREED`]);

      await submit(handle, 'bob', [{ rowId: r3!, verdict: 'agree' }]);
      const result = await handle.result();
      assert.equal(result.status, 'DECIDED');
      assert.deepEqual(
        result.decisions.map((decision) => decision.reviewerId),
        ['alice', 'alice', 'bob'],
      );
      assert.ok(result.decisions.every((decision) => decision.outputKey?.endsWith('/output.json')));
      assert.equal(recorder.notificationsOf('expired').length, 0);
    });
  });

  it(
    'expires after 7 days: undecided records are recorded as EXPIRED and written, decided ones kept',
    guard,
    async () => {
      await withTask(async ({ handle, rowIds: [r1, r2, r3], recorder }) => {
        await submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]);
        const result = await handle.result();

        assert.equal(result.status, 'EXPIRED');
        assert.deepEqual(
          result.decisions.map(({ rowId, status }) => [rowId, status]),
          [
            [r1, 'AGREED'],
            [r2, 'EXPIRED'],
            [r3, 'EXPIRED'],
          ],
        );
        const view = await handle.query(getTaskViewQuery);
        const expiredAt = Date.parse(result.decisions[1]!.decidedAt!);
        assert.ok(expiredAt >= Date.parse(view.expiresAt), 'expired no earlier than its deadline');
        assert.equal(Date.parse(view.expiresAt) - Date.parse(view.createdAt), 7 * dayMs);
        assert.match(result.decisions[2]!.reason!, /No verdict before the task expired/);

        assert.deepEqual(recorder.verdicts.map((verdict) => verdict.status).sort(), ['AGREED', 'EXPIRED', 'EXPIRED']);
        assert.ok(result.decisions.every((decision) => decision.outputKey !== undefined));
        assert.equal(view.remindersSent, 6, 'one reminder a day until the day it expires');
        assert.equal(recorder.notificationsOf('expired').length, 1);
      });
    },
  );

  it('rejects a second verdict on a decided record, saying by whom and when it was decided', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1], recorder }) => {
      const first = await submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]);
      const decidedAt = first.records[0]!.decision.decidedAt!;

      await assertRejected(
        submit(handle, 'bob', [{ rowId: r1!, verdict: 'disagree', reason: 'I see it otherwise' }]),
        new RegExp(`Record ${r1} of task .* was already decided \\(AGREED\\) by alice at ${decidedAt}`),
      );
      const view = await handle.query(getTaskViewQuery);
      assert.equal(view.records[0]!.decision.reviewerId, 'alice');
      assert.equal(view.records[0]!.decision.status, 'AGREED');
      assert.equal(recorder.verdicts.length, 1);
    });
  });

  it('rejects a late verdict once the task has expired', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1], recorder }) => {
      const release = recorder.holdWrites('EXPIRED');
      await env.sleep('7 days');
      await eventually(() => recorder.writesStarted('EXPIRED') === 3, 'the expired records being written');

      await assertRejected(
        submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]),
        /Task .* expired at .*; it takes no more verdicts/,
      );
      release();
      const result = await handle.result();
      assert.equal(result.status, 'EXPIRED');
      assert.ok(result.decisions.every((decision) => decision.status === 'EXPIRED'));
      await assert.rejects(submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]));
    });
  });

  it('rejects malformed submissions with their reason and changes nothing', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1, r2], recorder }) => {
      await assertRejected(
        submit(handle, 'alice', [
          { rowId: r1!, verdict: 'agree' },
          { rowId: r2!, verdict: 'disagree' },
        ]),
        new RegExp(`Record ${r2}: a disagree verdict needs a reason`),
      );
      await assertRejected(submit(handle, ' ', [{ rowId: r1!, verdict: 'agree' }]), /need a reviewerId/);
      await assertRejected(submit(handle, 'alice', []), /No verdicts given for task/);
      await assertRejected(
        submit(handle, 'alice', [{ rowId: r2!, verdict: 'disagree', reason: 'x'.repeat(2001) }]),
        /the reason has 2001 characters; give a text of at most 2000/,
      );

      const view = await handle.query(getTaskViewQuery);
      assert.ok(view.records.every((record) => record.decision.status === 'PENDING'));
      assert.equal(recorder.verdicts.length, 0);
    });
  });

  it('rejects a verdict on a record the task does not hold, and never lets its neighbours through', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1, r2, r3], recorder }) => {
      await assertRejected(
        submit(handle, 'alice', [
          { rowId: r1!, verdict: 'agree' },
          { rowId: 'another-task-r1', verdict: 'agree' },
        ]),
        new RegExp(`Task ${handle.workflowId} has no record another-task-r1; its records are ${r1}, ${r2}, ${r3}`),
      );
      assert.deepEqual(statuses(await handle.query(getTaskViewQuery)), {
        [r1!]: 'PENDING',
        [r2!]: 'PENDING',
        [r3!]: 'PENDING',
      });
      assert.equal(recorder.verdicts.length, 0);
    });
  });

  it('changes only the record a verdict names', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1, r2, r3], recorder }) => {
      const first = await submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]);
      const second = await submit(handle, 'bob', [
        { rowId: r3!, verdict: 'disagree', reason: 'Works 60 hours a week' },
      ]);

      assert.deepEqual(statuses(second), { [r1!]: 'AGREED', [r2!]: 'PENDING', [r3!]: 'DISAGREED' });
      assert.deepEqual(second.records[0]!.decision, {
        ...first.records[0]!.decision,
        outputKey: second.records[0]!.decision.outputKey,
      });
      assert.deepEqual(
        recorder.verdicts.map((verdict) => verdict.rowId),
        [r1, r3],
      );
    });
  });

  it('shows its status and pending count as search attributes', guard, async () => {
    await withTask(async ({ handle, rowIds: [r1] }) => {
      await submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]);
      await eventually(async () => {
        const attributes = (await handle.describe()).typedSearchAttributes;
        return attributes.get(pendingReviewsSearchAttribute) === 2;
      }, 'PendingReviews = 2');
      const attributes = (await handle.describe()).typedSearchAttributes;
      assert.equal(attributes.get(reviewStatusSearchAttribute), 'OPEN');
    });
  });

  it('is reassigned by a signal, and the new assignee is notified', guard, async () => {
    await withTask(async ({ handle, recorder }) => {
      await handle.signal(reassignSignal, { assignee: 'carol', by: 'alice' });
      await eventually(() => recorder.notificationsOf('reassigned').length === 1, 'a reassignment notice');

      assert.equal(recorder.notificationsOf('reassigned')[0]?.assignee, 'carol');
      assert.equal((await handle.query(getTaskViewQuery)).assignee, 'carol');
    });
  });

  it(
    'is cancelled by a signal: undecided records are recorded as CANCELLED and written, later verdicts rejected',
    guard,
    async () => {
      await withTask(async ({ handle, rowIds: [r1, r2, r3], recorder }) => {
        await submit(handle, 'alice', [{ rowId: r1!, verdict: 'agree' }]);
        const release = recorder.holdWrites('CANCELLED');
        await handle.signal(cancelSignal, { reason: 'The batch was withdrawn' });
        await eventually(() => recorder.writesStarted('CANCELLED') === 2, 'the cancelled records being written');

        await assertRejected(
          submit(handle, 'bob', [{ rowId: r2!, verdict: 'agree' }]),
          /Task .* was cancelled \(The batch was withdrawn\); it takes no more verdicts/,
        );
        release();
        const result = await handle.result();

        assert.equal(result.status, 'CANCELLED');
        assert.deepEqual(
          result.decisions.map(({ rowId, status, reason }) => [rowId, status, reason]),
          [
            [r1, 'AGREED', undefined],
            [r2, 'CANCELLED', 'The batch was withdrawn'],
            [r3, 'CANCELLED', 'The batch was withdrawn'],
          ],
        );
        assert.deepEqual(recorder.verdicts.map((verdict) => verdict.status).sort(), [
          'AGREED',
          'CANCELLED',
          'CANCELLED',
        ]);
        assert.equal(recorder.notificationsOf('reminder').length, 0);
      });
    },
  );
});
