/** Verdicts and notifications: what the local backend keeps in its object store in place of A2I's. */
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getJson, ObjectExistsError, putJson } from '../../lib/object-store.js';
import type { RecordDecision } from '../../workflows/review-types.js';
import type { ReviewActivities, TaskContext } from '../interfaces.js';
import { batchPrefix } from './batch-objects.js';
import { objectConflictFailure, type LocalContext } from './context.js';
import { notificationKey, notificationMessage, type ReviewerNotification } from './notifications.js';
import { decisionsFromOutput, reviewOutput, type ReviewOutput } from './review-output.js';

/** Where the decision on one record of a task is stored: one human loop per record. */
export function reviewOutputKey(task: TaskContext, rowId: string): string {
  return `${batchPrefix(task.pipelineId, task.batchId)}/reviews/${task.taskId}/${rowId}/output.json`;
}

export function createReviewActivities(
  context: LocalContext,
): Pick<ReviewActivities, 'recordVerdict' | 'notifyReviewers'> {
  const { store } = context;
  return {
    async recordVerdict({ task, record, decision }) {
      const outputKey = reviewOutputKey(task, record.rowId);
      try {
        await putJson(store, outputKey, reviewOutput(task, record, decision), { ifAbsent: true });
      } catch (error) {
        if (!(error instanceof ObjectExistsError)) throw error;
        const [stored] = decisionsFromOutput(await getJson<ReviewOutput>(store, outputKey), outputKey);
        if (!sameDecision(stored, decision)) {
          const message =
            `Record ${record.rowId} of task ${task.taskId} was already decided ${describe(stored)}; ` +
            `${outputKey} keeps that decision, not ${describe(decision)}`;
          throw ApplicationFailure.create({ type: objectConflictFailure, message, nonRetryable: true });
        }
      }
      return { outputKey };
    },

    async notifyReviewers({ taskId, kind, assignee, groups }) {
      const message = notificationMessage(taskId, kind, assignee);
      log.info(message, { taskId, kind, assignee, groups });

      const notification: ReviewerNotification = {
        taskId,
        kind,
        ...(assignee !== undefined && { assignee }),
        groups,
        message,
        at: new Date().toISOString(),
      };
      try {
        await putJson(store, notificationKey(taskId, sendingId()), notification, {
          ifAbsent: true,
        });
      } catch (error) {
        if (!(error instanceof ObjectExistsError)) throw error;
      }
    },
  };
}

function sameDecision(a: RecordDecision | undefined, b: RecordDecision): boolean {
  return (
    a !== undefined &&
    a.rowId === b.rowId &&
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    a.reviewerId === b.reviewerId &&
    a.decidedAt === b.decidedAt
  );
}

function describe(decision: RecordDecision | undefined): string {
  if (decision === undefined) return 'in an unreadable file';
  const by = decision.reviewerId === undefined ? '' : ` by ${decision.reviewerId}`;
  return `${decision.status}${by} at ${decision.decidedAt}`;
}

/** The same for every attempt of one activity call, and different for every other call. */
function sendingId(): string {
  const { workflowExecution, activityRunId, activityId } = activityInfo();
  return `${workflowExecution?.runId ?? activityRunId ?? 'standalone'}-${activityId}`;
}
