import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReviewActivities } from '../activities/interfaces.js';
import {
  batchIdSearchAttribute,
  cancelSignal,
  getTaskViewQuery,
  modelVersionSearchAttribute,
  pendingReviewsSearchAttribute,
  reassignSignal,
  reviewStatusSearchAttribute,
  submitVerdictsUpdate,
  taskProgressSignal,
} from './definitions.js';
import { ReviewTask } from './review-task.js';
import type { HumanReviewInput, HumanReviewResult, RecordDecision } from './review-types.js';
import { validateVerdicts } from './verdict-validation.js';

// A verdict is part of the task's history once accepted; its output file must follow, however long the store is down.
const { recordVerdict } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Notifications are a courtesy: a few tries, then the task goes on without them.
const { notifyReviewers } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * One review task: a few records that wait, for days if need be, for a reviewer's verdicts. A reminder goes out once
 * per `remindAfter` period while the task is open, so a forgotten task keeps surfacing until it expires; at
 * `expireAfter` its undecided records are recorded as EXPIRED. Every decision, expired and cancelled ones included,
 * is written through `recordVerdict`, and the result lists every record.
 */
export async function HumanReviewWorkflow(input: HumanReviewInput): Promise<HumanReviewResult> {
  const task = new ReviewTask(input, Date.now());
  const publish = progressPublisher(task);

  setHandler(getTaskViewQuery, () => task.view());
  setHandler(
    submitVerdictsUpdate,
    async (request) => {
      const decisions = task.decide(request, Date.now());
      log.info('Verdicts accepted', { taskId: task.taskId, reviewerId: request.reviewerId, records: decisions.length });
      publish();
      await CancellationScope.nonCancellable(() => writeDecisions(task, decisions));
      return task.view();
    },
    { validator: (request) => validateVerdicts(task, request, Date.now()) },
  );
  setHandler(reassignSignal, async ({ assignee, by }) => {
    if (task.status !== 'OPEN' || typeof assignee !== 'string' || assignee.trim() === '') {
      log.warn('Reassign ignored: the task is closed or no assignee was named', { taskId: task.taskId, assignee });
      return;
    }
    log.info('Task reassigned', { taskId: task.taskId, from: task.assignee, to: assignee, by });
    task.assignee = assignee;
    await notify(task, 'reassigned');
  });
  setHandler(cancelSignal, ({ reason }) => {
    if (task.status !== 'OPEN' || task.cancelReason !== undefined) return;
    task.cancelReason =
      typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'Cancelled without a reason';
  });

  publish();
  await notify(task, 'created');
  try {
    await waitForVerdicts(task);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    task.cancelReason = 'The task was cancelled through Temporal, or the review cycle that started it was closed';
  }

  await CancellationScope.nonCancellable(() => closeTask(task, publish));
  return task.result();
}

/** Waits until every record is decided, a cancel is asked for or the task expires, sending reminders meanwhile. */
async function waitForVerdicts(task: ReviewTask): Promise<void> {
  const settled = (): boolean => task.allDecided() || task.cancelReason !== undefined;
  while (!settled() && Date.now() < task.expiresAtMs) {
    const reminderAt = task.nextReminderMs();
    const remind = reminderAt < task.expiresAtMs;
    const wakeAt = remind ? reminderAt : task.expiresAtMs;
    const summary = remind
      ? `Wait for verdicts on ${task.pending()} records; reminder ${task.remindersSent + 1} at ${iso(wakeAt)}`
      : `Wait for verdicts on ${task.pending()} records until the task expires at ${iso(wakeAt)}`;

    if (await condition(settled, Math.max(1, wakeAt - Date.now()), { summary })) return;
    if (remind) {
      task.remindersSent += 1;
      await notify(task, 'reminder');
    }
  }
}

/** Records the undecided records as expired or cancelled, writes every decision not yet written, and says so. */
async function closeTask(task: ReviewTask, publish: () => void): Promise<void> {
  const closed = task.close(Date.now());
  publish();
  log.info('Task closed', { taskId: task.taskId, status: task.status, undecided: closed.length });

  // Verdicts still being written by their update are finished there; what is left is written here.
  await condition(allHandlersFinished);
  await writeDecisions(task, task.unwritten());
  if (task.status === 'EXPIRED') await notify(task, 'expired');
}

async function writeDecisions(task: ReviewTask, decisions: RecordDecision[]): Promise<void> {
  const { taskId, pipelineId, batchId, modelVersion } = task.input;
  await Promise.all(
    decisions.map(async (decision) => {
      const { outputKey } = await recordVerdict.executeWithOptions(
        { summary: `Write ${decision.status} for record ${decision.rowId}` },
        [{ task: { taskId, pipelineId, batchId, modelVersion }, record: task.record(decision.rowId)!, decision }],
      );
      task.written(decision, outputKey);
    }),
  );
}

async function notify(task: ReviewTask, kind: 'created' | 'reminder' | 'reassigned' | 'expired'): Promise<void> {
  const { taskId, groups } = task.input;
  try {
    await notifyReviewers.executeWithOptions({ summary: `Notify reviewers: ${kind}` }, [
      { taskId, kind, groups, ...(task.assignee !== undefined && { assignee: task.assignee }) },
    ]);
  } catch (error) {
    log.warn('Reviewers not notified', { taskId, kind, error: String(error) });
  }
}

/**
 * Returns a function that shows the task's status in visibility and tells the review cycle that started it how many
 * records still wait, each time either changed.
 */
function progressPublisher(task: ReviewTask): () => void {
  const { parent, workflowId } = workflowInfo();
  let published: { status: string; pending: number } | undefined;
  return () => {
    const status = task.status;
    const pending = task.pending();
    if (published?.status === status && published.pending === pending) return;
    upsertSearchAttributes([
      ...(published === undefined
        ? [
            { key: batchIdSearchAttribute, value: task.input.batchId },
            { key: modelVersionSearchAttribute, value: task.input.modelVersion },
          ]
        : []),
      { key: reviewStatusSearchAttribute, value: status },
      { key: pendingReviewsSearchAttribute, value: pending },
    ]);
    const pendingChanged = published !== undefined && published.pending !== pending;
    published = { status, pending };

    if (parent === undefined || !pendingChanged) return;
    getExternalWorkflowHandle(parent.workflowId, parent.runId)
      .signal(taskProgressSignal, { taskWorkflowId: workflowId, pending })
      .catch((error: unknown) => log.warn('Review cycle not told of progress', { workflowId, error: String(error) }));
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
