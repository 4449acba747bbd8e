/** The task page, and the verdicts its form sends. */
import type { RecordVerdict, TaskView } from '../../workflows/review-types.js';
import { verdictRejections } from '../../workflows/verdict-validation.js';
import { frameOf, signedIn, takeFlash, type RequestContext, type SignedIn } from '../context.js';
import { HttpError, redirect, sendHtml } from '../http.js';
import { verdictsFromAnswer } from '../../workflows/review-fields.js';
import { mayReview } from '../reviewers.js';
import { taskPage, type TaskPageModel } from '../views/task-page.js';

export async function showTask(context: RequestContext): Promise<void> {
  const session = signedIn(context);
  const view = await visibleTask(context, session);
  const flash = takeFlash(session);
  await renderTask(context, session, view, 200, { ...(flash !== undefined && { flash }) });
}

export async function submitVerdicts(context: RequestContext): Promise<void> {
  const session = signedIn(context);
  const { tasks } = context.services;
  const view = await visibleTask(context, session);
  const entered = context.form;
  const verdicts = verdictsFromAnswer(
    entered,
    view.records.map((record) => record.rowId),
  );
  if (verdicts.length === 0) {
    const formError = 'Choose agree or disagree for at least one record, then submit.';
    return renderTask(context, session, view, 422, { formError, entered });
  }

  const outcome = await tasks.submit(view.taskId, session.reviewer.id, verdicts);
  switch (outcome.kind) {
    case 'not-found':
      throw notFound();
    case 'closed':
      return renderTask(context, session, outcome.view, 409, {
        formError: `This task closed (${outcome.view.status}) before your verdicts arrived; they were not recorded.`,
        recordErrors: closedRecordErrors(outcome.view, verdicts),
        entered,
      });
    case 'rejected': {
      const fresh = (await tasks.view(view.taskId)) ?? view;
      const rowId = recordNamed(outcome.message, view);
      const status = outcome.type === verdictRejections.invalidVerdict ? 422 : 409;
      const errors = rowId === undefined ? {} : { recordErrors: new Map([[rowId, outcome.message]]) };
      return renderTask(context, session, fresh, status, {
        ...(rowId === undefined && { formError: outcome.message }),
        ...errors,
        entered,
      });
    }
    case 'accepted':
      return afterAccepted(context, session, outcome.view, verdicts.length);
  }
}

async function afterAccepted(context: RequestContext, session: SignedIn, view: TaskView, given: number) {
  const waiting = view.records.filter((record) => record.decision.status === 'PENDING').length;
  const saved = `${given} ${given === 1 ? 'verdict' : 'verdicts'} on task ${view.taskId} recorded.`;
  if (waiting > 0) {
    session.flash = `${saved} ${waiting} ${waiting === 1 ? 'record still waits' : 'records still wait'} for a verdict.`;
    return redirect(context.response, taskPath(view.taskId));
  }
  const next = (await context.services.tasks.openTasksFor(session.reviewer.groups)).find(
    (task) => task.taskId !== view.taskId,
  );
  if (next === undefined) {
    session.flash = `${saved} No other task waits for you.`;
    return redirect(context.response, '/');
  }
  session.flash = `${saved} This is the next open task.`;
  redirect(context.response, taskPath(next.taskId));
}

async function renderTask(
  context: RequestContext,
  session: SignedIn,
  view: TaskView,
  status: number,
  extra: Partial<Pick<TaskPageModel, 'flash' | 'formError' | 'recordErrors' | 'entered'>>,
): Promise<void> {
  const panel = await context.services.panels.panel(view, session.reviewer.groups);
  const page = taskPage(frameOf(session, `Task ${view.taskId}`), {
    view,
    panel,
    recordErrors: new Map(),
    entered: {},
    ...extra,
  });
  sendHtml(context.response, status, page);
}

/** The task named by the path, if it exists and is offered to the reviewer's groups; a 404 otherwise. */
async function visibleTask(context: RequestContext, session: SignedIn): Promise<TaskView> {
  const view = await context.services.tasks.view(context.params.taskId!);
  if (view === undefined || !mayReview(session.reviewer.groups, view.groups)) throw notFound();
  return view;
}

function notFound(): HttpError {
  return new HttpError(404, 'No such task', 'There is no review task with this id, or it is not offered to you.');
}

export function taskPath(taskId: string): string {
  return `/tasks/${encodeURIComponent(taskId)}`;
}

/**
 * What the task's validator would have said of each verdict, had the task still been open: a closed task takes no
 * update at all, so the app says it in the same words.
 */
function closedRecordErrors(view: TaskView, verdicts: RecordVerdict[]): Map<string, string> {
  const errors = new Map<string, string>();
  for (const { rowId } of verdicts) {
    const decision = view.records.find((record) => record.rowId === rowId)?.decision;
    // Expired and cancelled records need no word of their own: the task's closing says it for all of them.
    if (decision?.status !== 'AGREED' && decision?.status !== 'DISAGREED') continue;
    const by = decision.reviewerId === undefined ? '' : ` by ${decision.reviewerId}`;
    errors.set(
      rowId,
      `Record ${rowId} of task ${view.taskId} was already decided (${decision.status})${by} at ${decision.decidedAt}`,
    );
  }
  return errors;
}

/** The record a validator message is about, when it names exactly one record of the task. */
function recordNamed(message: string, view: TaskView): string | undefined {
  const named = view.records
    .map((record) => record.rowId)
    .filter((rowId) => new RegExp(`\\brecord ${escapeRegExp(rowId)}(?![\\w-])`, 'i').test(message));
  return named.length === 1 ? named[0] : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
