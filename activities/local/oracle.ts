/**
 * The oracle reviewer: it knows the true labels of the incoming stream and answers a review task through the same
 * update a person's verdict goes through, so a pipeline runs unattended for demos and tests.
 */
import { log } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { InputError } from '../../domain/errors.js';
import { LABEL_VALUES } from '../../domain/schema.js';
import { getTaskViewQuery, submitVerdictsUpdate } from '../../workflows/definitions.js';
import type { RecordVerdict, ReviewRecord } from '../../workflows/review-types.js';
import { verdictRejections } from '../../workflows/verdict-validation.js';
import type { ReviewActivities } from '../interfaces.js';
import { readBatchRows } from './batch-objects.js';
import { requireClient, type LocalContext } from './context.js';

/** The reviewer id the oracle's verdicts carry. */
export const ORACLE_REVIEWER = 'oracle';

/** Submissions tried when a person decides some of the records between the oracle's look and its answer. */
const SUBMISSION_TRIES = 3;

export function createOracleActivities(context: LocalContext): Pick<ReviewActivities, 'answerAsOracle'> {
  return {
    async answerAsOracle({ taskWorkflowId, batch, records }) {
      const client = requireClient(context, 'answerAsOracle');
      const { rowIds, labels } = await readBatchRows(context.store, batch);
      const trueLabels = new Map(rowIds.map((rowId, r) => [rowId, labels[r]!]));
      const handle = client.workflow.getHandle(taskWorkflowId);

      for (let attempt = 1; ; attempt++) {
        const view = await handle.query(getTaskViewQuery);
        const pending = new Set(view.records.filter((r) => r.decision.status === 'PENDING').map((r) => r.rowId));
        const verdicts = records
          .filter((record) => pending.has(record.rowId))
          .map((record) => oracleVerdict(record, trueLabels.get(record.rowId)));
        if (view.status !== 'OPEN' || verdicts.length === 0) {
          log.info('Nothing left for the oracle to answer', { taskWorkflowId, status: view.status });
          return;
        }

        try {
          // The same verdicts always carry the same update id, so a retried call after an accepted one is a no-op.
          await handle.executeUpdate(submitVerdictsUpdate, {
            args: [{ reviewerId: ORACLE_REVIEWER, verdicts }],
            updateId: oracleUpdateId(verdicts),
          });
          log.info('The oracle answered', { taskWorkflowId, verdicts: verdicts.length });
          return;
        } catch (error) {
          const rejection = rejectionType(error);
          if (rejection === verdictRejections.taskClosed) {
            log.info('The task closed before the oracle answered', { taskWorkflowId });
            return;
          }
          if (rejection !== verdictRejections.alreadyDecided || attempt >= SUBMISSION_TRIES) throw error;
        }
      }
    },
  };
}

/** Agrees where the model predicted the true label; otherwise disagrees and says what the label is. */
export function oracleVerdict(record: ReviewRecord, trueLabel: number | undefined): RecordVerdict {
  if (trueLabel === undefined) {
    throw new InputError(`record ${record.rowId} is not a row of its batch`, { field: 'records' });
  }
  if (record.predictedLabel === trueLabel) return { rowId: record.rowId, verdict: 'agree' };
  const outcome = trueLabel === 1 ? LABEL_VALUES.positive : LABEL_VALUES.negative;
  return { rowId: record.rowId, verdict: 'disagree', reason: `true label is ${outcome}` };
}

function oracleUpdateId(verdicts: RecordVerdict[]): string {
  const digest = createHash('sha256').update(JSON.stringify(verdicts)).digest('hex').slice(0, 16);
  return `${ORACLE_REVIEWER}-${digest}`;
}

function rejectionType(error: unknown): string | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  return error.cause instanceof ApplicationFailure ? (error.cause.type ?? undefined) : undefined;
}
