/**
 * The reviewers' notifications, kept in the object store where the review app reads them. Each notification is an
 * object of its own under `notifications/<taskId>/`: an object store has no append, and one object per notice
 * needs no read-modify-write that two workers could race on.
 */
import { getJson, type ObjectStore } from '../../lib/object-store.js';
import type { ReviewActivities } from '../interfaces.js';

export type NotificationKind = Parameters<ReviewActivities['notifyReviewers']>[0]['kind'];

/** One notice to reviewers about a review task. */
export interface ReviewerNotification {
  taskId: string;
  kind: NotificationKind;
  assignee?: string;
  groups: string[];
  /** What the reviewer reads. */
  message: string;
  /** ISO 8601. */
  at: string;
}

export const NOTIFICATIONS_PREFIX = 'notifications/';

/** One key per sending: a retried send finds its own key taken and writes nothing more. */
export function notificationKey(taskId: string, sendingId: string): string {
  return `${NOTIFICATIONS_PREFIX}${taskId}/${sendingId}.json`;
}

export function notificationMessage(taskId: string, kind: NotificationKind, assignee: string | undefined): string {
  const who = assignee === undefined ? '' : ` (assigned to ${assignee})`;
  switch (kind) {
    case 'created':
      return `Review task ${taskId}${who} waits for your verdicts.`;
    case 'reminder':
      return `Reminder: review task ${taskId}${who} still waits for verdicts.`;
    case 'reassigned':
      return `Review task ${taskId} was reassigned${who}.`;
    case 'expired':
      return `Review task ${taskId} expired; its undecided records were recorded as expired.`;
  }
}

/** The notifications of one task, or of every task, oldest first. */
export async function readNotifications(store: ObjectStore, taskId?: string): Promise<ReviewerNotification[]> {
  const prefix = taskId === undefined ? NOTIFICATIONS_PREFIX : `${NOTIFICATIONS_PREFIX}${taskId}/`;
  const objects = await store.list(prefix);
  const notifications = await Promise.all(objects.map((info) => getJson<ReviewerNotification>(store, info.key)));
  return notifications.sort((a, b) => a.at.localeCompare(b.at));
}
