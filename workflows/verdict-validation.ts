/**
 * The checks a verdict submission passes before a review task accepts it. A submission is taken whole or not at
 * all, so a bad verdict never lets its neighbours through, and no verdict touches a record it does not name.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ReviewTask } from './review-task.js';
import type { SubmitVerdictsRequest } from './review-types.js';

/** The failure types a rejected submission carries, so a client can tell the cases apart without the message. */
export const verdictRejections = {
  taskClosed: 'TaskClosed',
  unknownRecord: 'UnknownRecord',
  alreadyDecided: 'AlreadyDecided',
  invalidVerdict: 'InvalidVerdict',
} as const;

/** The longest reason a verdict may carry, in characters. */
export const maxReasonLength = 2000;

/** Throws an {@link ApplicationFailure} naming the first problem of the submission; returns when it can be taken. */
export function validateVerdicts(task: ReviewTask, request: SubmitVerdictsRequest, nowMs: number): void {
  const { taskId } = task;
  if (task.cancelReason !== undefined) {
    reject('taskClosed', `Task ${taskId} was cancelled (${task.cancelReason}); it takes no more verdicts`);
  }
  if (task.status === 'EXPIRED' || nowMs >= task.expiresAtMs) {
    reject('taskClosed', `Task ${taskId} expired at ${task.expiresAt()}; it takes no more verdicts`);
  }
  if (typeof request?.reviewerId !== 'string' || request.reviewerId.trim() === '') {
    reject('invalidVerdict', `Verdicts on task ${taskId} need a reviewerId that says who gives them`);
  }
  if (!Array.isArray(request.verdicts) || request.verdicts.length === 0) {
    reject('invalidVerdict', `No verdicts given for task ${taskId}: send at least one { rowId, verdict }`);
  }

  const seen = new Set<string>();
  for (const entry of request.verdicts) {
    if (typeof entry !== 'object' || entry === null) {
      reject('invalidVerdict', `Verdicts on task ${taskId} must be objects { rowId, verdict, reason? }`);
    }
    const { rowId, verdict, reason } = entry;
    if (task.record(rowId) === undefined) {
      reject('unknownRecord', `Task ${taskId} has no record ${rowId}; its records are ${task.rowIds().join(', ')}`);
    }
    if (seen.has(rowId)) reject('invalidVerdict', `Record ${rowId} appears more than once in one submission`);
    seen.add(rowId);

    if (verdict !== 'agree' && verdict !== 'disagree') {
      reject(
        'invalidVerdict',
        `Record ${rowId}: the verdict must be 'agree' or 'disagree', not ${JSON.stringify(verdict)}`,
      );
    }
    if (verdict === 'disagree' && (typeof reason !== 'string' || reason.trim() === '')) {
      reject('invalidVerdict', `Record ${rowId}: a disagree verdict needs a reason that says why the model is wrong`);
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > maxReasonLength)) {
      const length = typeof reason === 'string' ? `${reason.length} characters` : 'no text';
      reject('invalidVerdict', `Record ${rowId}: the reason has ${length}; give a text of at most ${maxReasonLength}`);
    }

    const decision = task.decision(rowId);
    if (decision !== undefined && decision.status !== 'PENDING') {
      const by = decision.reviewerId === undefined ? '' : ` by ${decision.reviewerId}`;
      reject(
        'alreadyDecided',
        `Record ${rowId} of task ${taskId} was already decided (${decision.status})${by} at ${decision.decidedAt}`,
      );
    }
  }
}

function reject(kind: keyof typeof verdictRejections, message: string): never {
  throw ApplicationFailure.create({ type: verdictRejections[kind], message, nonRetryable: true });
}
