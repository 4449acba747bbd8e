/**
 * In-memory stand-ins for the two outside systems a review task talks to, the verdict store and the reviewers'
 * notifications, for tests about the task's timers and its update protocol. They record every call.
 */
import type { ReviewActivities } from '../../activities/interfaces.js';
import type { RecordDecision, RecordStatus, ReviewRecord } from '../../workflows/review-types.js';

/** One `recordVerdict` call, flattened. */
export interface WrittenVerdict extends RecordDecision {
  taskId: string;
}

/** One `notifyReviewers` call. */
export type SentNotification = Parameters<ReviewActivities['notifyReviewers']>[0];

export type RecorderActivities = Pick<ReviewActivities, 'recordVerdict' | 'notifyReviewers'>;

export class ReviewRecorder {
  readonly verdicts: WrittenVerdict[] = [];
  readonly notifications: SentNotification[] = [];
  private readonly started: RecordStatus[] = [];
  private held: { status: RecordStatus; gate: Promise<void> } | undefined;

  /** Makes writes of decisions with `status` wait until the returned function is called. */
  holdWrites(status: RecordStatus): () => void {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held = { status, gate };
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** How many writes of decisions with `status` have started, held ones included. */
  writesStarted(status: RecordStatus): number {
    return this.started.filter((started) => started === status).length;
  }

  notificationsOf(kind: SentNotification['kind']): SentNotification[] {
    return this.notifications.filter((notification) => notification.kind === kind);
  }

  activities(): RecorderActivities {
    return {
      recordVerdict: async ({ task, decision }) => {
        this.started.push(decision.status);
        if (this.held?.status === decision.status) await this.held.gate;
        const outputKey = `reviews/${task.taskId}/${decision.rowId}/output.json`;
        this.verdicts.push({ taskId: task.taskId, ...decision, outputKey });
        return { outputKey };
      },
      notifyReviewers: async (notification) => {
        this.notifications.push(notification);
      },
    };
  }
}

/** Records as a review task receives them, with made-up values: row ids `<prefix>-r1` ..., plots unless `plots` is false. */
export function sampleRecords(prefix: string, count: number, { plots = true } = {}): ReviewRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const probability = 0.1 + index * 0.1;
    const record: ReviewRecord = {
      rowId: `${prefix}-r${index + 1}`,
      rowNumber: index,
      probability,
      predictedLabel: 0,
      predictedOutcome: '<=50K',
      reason: 'negative',
      expectedValue: -1.2,
      margin: Math.log(probability / (1 - probability)),
      features: [
        { feature: 'age', value: String(30 + index), shap: -0.4 },
        { feature: 'relationship', value: 'Husband', shap: 0.3 },
      ],
    };
    if (!plots) return record;
    const plot = `plots/${prefix}-r${index + 1}`;
    return { ...record, plotPngKey: `${plot}.png`, plotSvgKey: `${plot}.svg`, plotDescription: `Waterfall of ${plot}` };
  });
}
