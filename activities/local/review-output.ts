/**
 * Verdicts in the shape of the `output.json` that Amazon A2I writes for a human loop, and the one reader that turns
 * such a file back into decisions, whichever backend wrote it. A local loop holds one record; an A2I loop may hold
 * several, each answered by the verdicts its form posts.
 */
import { InputError } from '../../domain/errors.js';
import type {
  RecordDecision,
  RecordStatus,
  RecordVerdict,
  ReviewRecord,
  Verdict,
} from '../../workflows/review-types.js';
import { verdictsFromAnswer } from '../../workflows/review-fields.js';
import type { TaskContext } from '../interfaces.js';

/**
 * A reviewer's answer: the local backend writes a list of verdicts; the A2I worker template posts its form's flat
 * fields (`verdict-<rowId>`, `reason-<rowId>`), which are read through the same field definitions.
 */
export type ReviewAnswerContent = { verdicts: RecordVerdict[] } | Record<string, unknown>;

/** One reviewer's answer, as A2I lists it under `humanAnswers`. */
export interface HumanAnswer {
  answerContent: ReviewAnswerContent;
  /** ISO 8601. */
  submissionTime: string;
  workerId: string;
  /** Written by A2I; the local backend does not know when a reviewer opened the task, and leaves them out. */
  acceptanceTime?: string;
  timeSpentInSeconds?: number;
  workerMetadata?: Record<string, unknown>;
}

/** What the reviewer was shown: the task and its records. */
export interface ReviewInputContent extends TaskContext {
  records: ReviewRecord[];
}

/** A human loop that closed without a verdict on some records; A2I says this through the loop's status instead. */
export interface ClosedLoop {
  status: Extract<RecordStatus, 'EXPIRED' | 'CANCELLED'>;
  reason?: string;
  /** ISO 8601. */
  closedAt: string;
}

/** A human loop's `output.json`. */
export interface ReviewOutput {
  flowDefinitionArn: string;
  humanLoopName: string;
  inputContent: ReviewInputContent;
  humanAnswers: HumanAnswer[];
  /** Facts that A2I's file does not hold, in the same place analysis.json keeps them. */
  review_cycle?: { closed?: ClosedLoop };
}

/** The local backend has no flow definition ARN; it names its flow after the pipeline instead. */
export function localFlowDefinition(pipelineId: string): string {
  return `local:review-cycle:flow-definition/${pipelineId}`;
}

/** The `output.json` of one record's decision; a pending record has none. */
export function reviewOutput(task: TaskContext, record: ReviewRecord, decision: RecordDecision): ReviewOutput {
  const { taskId, pipelineId, batchId, modelVersion } = task;
  const output: ReviewOutput = {
    flowDefinitionArn: localFlowDefinition(pipelineId),
    humanLoopName: `${taskId}-${record.rowId}`,
    inputContent: { taskId, pipelineId, batchId, modelVersion, records: [record] },
    humanAnswers: [],
  };
  const { status, rowId, reason, reviewerId, decidedAt } = decision;
  if (rowId !== record.rowId) {
    throw new InputError(`the decision is on record ${rowId}, not ${record.rowId}`, { field: 'decision.rowId' });
  }
  if (decidedAt === undefined) {
    throw new InputError(`record ${rowId} has no decision time`, { field: 'decision.decidedAt' });
  }

  if (status === 'AGREED' || status === 'DISAGREED') {
    if (reviewerId === undefined)
      throw new InputError(`record ${rowId} has no reviewer`, { field: 'decision.reviewerId' });
    const verdict: RecordVerdict = { rowId, verdict: status === 'AGREED' ? 'agree' : 'disagree' };
    if (reason !== undefined) verdict.reason = reason;
    output.humanAnswers.push({
      answerContent: { verdicts: [verdict] },
      submissionTime: decidedAt,
      workerId: reviewerId,
    });
  } else if (status === 'EXPIRED' || status === 'CANCELLED') {
    output.review_cycle = { closed: { status, closedAt: decidedAt, ...(reason !== undefined && { reason }) } };
  } else {
    throw new InputError(`record ${rowId} is still ${status}: there is no decision to write`, { field: 'decision' });
  }
  return output;
}

/**
 * The decision on every record of a human loop, in the loop's record order. A record answered by several reviewers
 * takes the earliest answer; one without an answer is EXPIRED or CANCELLED when the loop closed, else PENDING.
 * @param outputKey where the file was read from: named in errors and set on every decided record
 */
export function decisionsFromOutput(output: ReviewOutput, outputKey: string): RecordDecision[] {
  function fail(problem: string, field: string): never {
    throw new InputError(problem, { file: outputKey, field }, "Give an A2I output.json with review-cycle's answers");
  }
  const records = output?.inputContent?.records;
  if (!Array.isArray(records)) fail('is not a list of records', 'inputContent.records');
  if (!Array.isArray(output.humanAnswers)) fail('is not a list', 'humanAnswers');

  const decisions = new Map<string, RecordDecision>(
    records.map((record) => [record.rowId, { rowId: record.rowId, status: 'PENDING' }]),
  );
  const answers = [...output.humanAnswers].sort((a, b) => a.submissionTime.localeCompare(b.submissionTime));
  answers.forEach((answer, index) => {
    const content = answer?.answerContent;
    if (typeof content !== 'object' || content === null)
      fail('is not an object', `humanAnswers[${index}].answerContent`);
    const verdicts = Array.isArray(content.verdicts)
      ? (content.verdicts as RecordVerdict[])
      : verdictsFromAnswer(content, [...decisions.keys()]);
    for (const { rowId, verdict, reason } of verdicts) {
      const decision = decisions.get(rowId);
      if (decision === undefined) fail(`names record ${rowId}, which the loop does not hold`, 'answerContent');
      if (!isVerdict(verdict)) fail(`${JSON.stringify(verdict)} is not agree or disagree`, 'answerContent');
      if (decision.status !== 'PENDING') continue;
      decision.status = verdict === 'agree' ? 'AGREED' : 'DISAGREED';
      decision.reviewerId = answer.workerId;
      decision.decidedAt = answer.submissionTime;
      if (reason !== undefined && reason.trim() !== '') decision.reason = reason;
    }
  });

  const closed = output.review_cycle?.closed;
  for (const decision of decisions.values()) {
    if (decision.status === 'PENDING' && closed !== undefined) {
      decision.status = closed.status;
      decision.decidedAt = closed.closedAt;
      if (closed.reason !== undefined) decision.reason = closed.reason;
    }
    if (decision.status !== 'PENDING') decision.outputKey = outputKey;
  }
  return [...decisions.values()];
}

function isVerdict(value: unknown): value is Verdict {
  return value === 'agree' || value === 'disagree';
}
