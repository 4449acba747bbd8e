/**
 * The state of one review task: its records, the decision on each, its deadlines and what a reviewer sees of it.
 * Plain deterministic code that the review task workflow drives; times come from the workflow's clock.
 */
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type {
  HumanReviewInput,
  HumanReviewResult,
  RecordDecision,
  RecordStatus,
  ReviewRecord,
  SubmitVerdictsRequest,
  TaskStatus,
  TaskView,
} from './review-types.js';

/** The failure type of a review task started with input it cannot work with. */
export const invalidReviewTaskFailure = 'InvalidReviewTask';

export class ReviewTask {
  status: TaskStatus = 'OPEN';
  assignee: string | undefined;
  remindersSent = 0;
  /** Set by a cancel request; the task closes with it as the reason of every undecided record. */
  cancelReason: string | undefined;
  readonly createdAtMs: number;
  readonly remindAfterMs: number;
  readonly expiresAtMs: number;
  private readonly records = new Map<string, ReviewRecord>();
  private readonly decisions = new Map<string, RecordDecision>();

  constructor(
    readonly input: HumanReviewInput,
    nowMs: number,
  ) {
    checkInput(input);
    this.assignee = input.assignee;
    this.createdAtMs = nowMs;
    this.remindAfterMs = msToNumber(input.remindAfter);
    this.expiresAtMs = nowMs + msToNumber(input.expireAfter);
    for (const record of input.records) {
      this.records.set(record.rowId, record);
      this.decisions.set(record.rowId, { rowId: record.rowId, status: 'PENDING' });
    }
  }

  get taskId(): string {
    return this.input.taskId;
  }

  record(rowId: string): ReviewRecord | undefined {
    return this.records.get(rowId);
  }

  decision(rowId: string): RecordDecision | undefined {
    return this.decisions.get(rowId);
  }

  rowIds(): string[] {
    return [...this.records.keys()];
  }

  pending(): number {
    return [...this.decisions.values()].filter((decision) => decision.status === 'PENDING').length;
  }

  allDecided(): boolean {
    return this.pending() === 0;
  }

  /** When the next reminder is due: one per `remindAfter` period since the task was created. */
  nextReminderMs(): number {
    return this.createdAtMs + (this.remindersSent + 1) * this.remindAfterMs;
  }

  /** Records the verdicts of a validated request; returns the new decisions. */
  decide(request: SubmitVerdictsRequest, nowMs: number): RecordDecision[] {
    const decidedAt = new Date(nowMs).toISOString();
    return request.verdicts.map(({ rowId, verdict, reason }) => {
      const status: RecordStatus = verdict === 'agree' ? 'AGREED' : 'DISAGREED';
      const decision: RecordDecision = { rowId, status, reviewerId: request.reviewerId, decidedAt };
      if (reason !== undefined && reason.trim() !== '') decision.reason = reason.trim();
      this.decisions.set(rowId, decision);
      return decision;
    });
  }

  /**
   * Closes the task: undecided records become EXPIRED, or CANCELLED when a cancel was asked for, and stay in the
   * result. Returns the decisions it made.
   */
  close(nowMs: number): RecordDecision[] {
    const status = this.cancelReason === undefined ? 'EXPIRED' : 'CANCELLED';
    const decidedAt = new Date(nowMs).toISOString();
    const closed: RecordDecision[] = [];
    for (const [rowId, decision] of this.decisions) {
      if (decision.status !== 'PENDING') continue;
      const reason = this.cancelReason ?? `No verdict before the task expired at ${this.expiresAt()}`;
      const made: RecordDecision = { rowId, status, reason, decidedAt };
      this.decisions.set(rowId, made);
      closed.push(made);
    }
    this.status = closed.length === 0 ? 'DECIDED' : status;
    return closed;
  }

  /** Decisions not yet written to the object store. */
  unwritten(): RecordDecision[] {
    return [...this.decisions.values()].filter((decision) => decision.status !== 'PENDING' && !decision.outputKey);
  }

  /** Notes where a decision was written, unless the record has been decided anew since. */
  written(decision: RecordDecision, outputKey: string): void {
    const current = this.decisions.get(decision.rowId);
    if (current?.status === decision.status && current.decidedAt === decision.decidedAt) current.outputKey = outputKey;
  }

  expiresAt(): string {
    return new Date(this.expiresAtMs).toISOString();
  }

  view(): TaskView {
    const { taskId, pipelineId, batchId, modelVersion, groups } = this.input;
    return {
      taskId,
      pipelineId,
      batchId,
      modelVersion,
      status: this.status,
      ...(this.assignee !== undefined && { assignee: this.assignee }),
      groups,
      records: this.input.records.map((record) => ({ ...record, decision: { ...this.decisions.get(record.rowId)! } })),
      createdAt: new Date(this.createdAtMs).toISOString(),
      remindAt: new Date(Math.min(this.nextReminderMs(), this.expiresAtMs)).toISOString(),
      expiresAt: this.expiresAt(),
      remindersSent: this.remindersSent,
    };
  }

  result(): HumanReviewResult {
    return {
      taskId: this.taskId,
      status: this.status,
      decisions: this.input.records.map((record) => ({ ...this.decisions.get(record.rowId)! })),
    };
  }
}

function checkInput(input: HumanReviewInput): void {
  const problems: string[] = [];
  if (!Array.isArray(input.records) || input.records.length === 0) problems.push('records must not be empty');
  const rowIds = (input.records ?? []).map((record) => record.rowId);
  const repeated = rowIds.filter((rowId, index) => rowIds.indexOf(rowId) !== index);
  if (repeated.length > 0) problems.push(`records repeat the row ids ${[...new Set(repeated)].join(', ')}`);
  for (const field of ['remindAfter', 'expireAfter'] as const) {
    if (!(positiveMs(input[field]) > 0)) problems.push(`${field} must be a positive duration, not ${input[field]}`);
  }
  if (problems.length === 0) return;
  throw ApplicationFailure.create({
    type: invalidReviewTaskFailure,
    message: `Review task ${input.taskId} cannot start: ${problems.join('; ')}`,
    nonRetryable: true,
  });
}

function positiveMs(duration: HumanReviewInput['remindAfter']): number {
  try {
    return msToNumber(duration);
  } catch {
    return Number.NaN;
  }
}
