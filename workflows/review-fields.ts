/**
 * The fields of the review form, shared by the review app's task page and the A2I worker template, so that both post
 * the same answer: per record, a verdict field and a reason field whose names carry the record's row id, so that the
 * answers on the records of one task never collide.
 */
import type { RecordVerdict, Verdict } from './review-types.js';
import { maxReasonLength } from './verdict-validation.js';

export { maxReasonLength };

/** One choice of the verdict field. */
export interface VerdictOption {
  value: Verdict;
  label: string;
}

/** The verdict choices, in the order the form shows them. */
export const verdictOptions: readonly VerdictOption[] = [
  { value: 'agree', label: 'Agree: the predicted outcome is right' },
  { value: 'disagree', label: 'Disagree: the predicted outcome is wrong' },
];

/** Labels and hints the form shows beside the fields. */
export const fieldLabels = {
  verdict: 'Your verdict',
  reason: 'Reason for change',
  reasonHint: `Required when you disagree; at most ${maxReasonLength} characters.`,
  reasonMissing: 'Say why the predicted outcome is wrong: a disagreement needs a reason.',
  submit: 'Submit verdicts',
} as const;

/** The name of the verdict field of one record. */
export function verdictField(rowId: string): string {
  return `verdict-${rowId}`;
}

/** The name of the reason field of one record. */
export function reasonField(rowId: string): string {
  return `reason-${rowId}`;
}

/**
 * The verdicts an answer holds, for the records of a task: a record without a verdict field is left out, and an
 * empty reason is no reason. Values that are not a verdict are kept as they are, so that the review task's own
 * validator rejects them with its message.
 *
 * @param answer field name to value, as a form posts it or as A2I's `answerContent` holds it
 */
export function verdictsFromAnswer(
  answer: Readonly<Record<string, unknown>>,
  rowIds: readonly string[],
): RecordVerdict[] {
  const verdicts: RecordVerdict[] = [];
  for (const rowId of rowIds) {
    const verdict = answer[verdictField(rowId)];
    if (verdict === undefined || verdict === '') continue;
    const reason = answer[reasonField(rowId)];
    verdicts.push({
      rowId,
      verdict: verdict as Verdict,
      ...(typeof reason === 'string' && reason.trim() !== '' && { reason }),
    });
  }
  return verdicts;
}
