/**
 * The rows of the ground truth: one per reviewed record, with its features, what the model said, what the reviewer
 * said, and when. Written as CSV with a header; features are decoded to the data set's own words, which the code
 * table encodes again for training.
 */
import { InputError } from '../../domain/errors.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
import type { RecordDecision, ReviewRecord } from '../../workflows/review-types.js';

/**
 * The columns of a ground-truth part. `human_label` is 1 or 0 as the reviewer judged the record and `verdict` agree
 * or disagree, both empty when no reviewer answered; `status` is the final AGREED, DISAGREED, EXPIRED or CANCELLED;
 * `selected_because` says why the record was sent for review; `verdict_key` is its A2I-shaped output.json.
 */
export const GROUND_TRUTH_COLUMNS: readonly string[] = [
  'row_id',
  'batch_id',
  ...FEATURE_NAMES,
  'probability',
  'predicted_label',
  'human_label',
  'verdict',
  'status',
  'reason',
  'reviewer_id',
  'decided_at',
  'model_version',
  'selected_because',
  'verdict_key',
];

export type GroundTruthRow = Record<string, string>;

/** The ground-truth rows of a batch, in record order; every record must have its decision. */
export function groundTruthRows(
  batchId: string,
  modelVersion: string,
  records: readonly ReviewRecord[],
  decisions: readonly RecordDecision[],
): GroundTruthRow[] {
  const byRow = new Map(decisions.map((decision) => [decision.rowId, decision]));
  return records.map((record) => {
    const decision = byRow.get(record.rowId);
    if (decision === undefined || decision.status === 'PENDING') {
      throw new InputError(
        `record ${record.rowId} has no decision`,
        { field: 'decisions' },
        'Write the ground truth once every review task of the batch has closed',
      );
    }
    const answered = decision.status === 'AGREED' || decision.status === 'DISAGREED';
    const humanLabel = decision.status === 'AGREED' ? record.predictedLabel : 1 - record.predictedLabel;
    const features = Object.fromEntries(record.features.map(({ feature, value }) => [feature, value]));
    return {
      row_id: record.rowId,
      batch_id: batchId,
      ...Object.fromEntries(FEATURE_NAMES.map((name) => [name, features[name] ?? ''])),
      probability: String(record.probability),
      predicted_label: String(record.predictedLabel),
      human_label: answered ? String(humanLabel) : '',
      verdict: answered ? (decision.status === 'AGREED' ? 'agree' : 'disagree') : '',
      status: decision.status,
      reason: decision.reason ?? '',
      reviewer_id: decision.reviewerId ?? '',
      decided_at: decision.decidedAt ?? '',
      model_version: modelVersion,
      selected_because: record.reason,
      verdict_key: decision.outputKey ?? '',
    };
  });
}

export function formatGroundTruthCsv(rows: readonly GroundTruthRow[]): string {
  const line = (fields: readonly string[]) => `${fields.map(csvField).join(',')}\n`;
  return line(GROUND_TRUTH_COLUMNS) + rows.map((row) => line(GROUND_TRUTH_COLUMNS.map((c) => row[c] ?? ''))).join('');
}

/** Reads a ground-truth part back into rows keyed by column name. */
export function parseGroundTruthCsv(text: string, file: string): GroundTruthRow[] {
  const [header, ...records] = parseCsvRecords(text, file);
  if (header === undefined || header.join(',') !== GROUND_TRUTH_COLUMNS.join(',')) {
    throw new InputError('the header does not list the ground-truth columns', { file, row: 1 });
  }
  return records.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new InputError(`expected ${header.length} fields, found ${fields.length}`, { file, row: index + 2 });
    }
    return Object.fromEntries(header.map((name, c) => [name, fields[c]!]));
  });
}

/** A field quoted when it holds a comma, a quote or a line break, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsvRecords(text: string, file: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted || (char !== ',' && char !== '\n')) {
      field += char;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      records.push([...fields, field.replace(/\r$/, '')]);
      fields = [];
      field = '';
    }
  }
  if (quoted) throw new InputError('a quoted field is never closed', { file, row: records.length + 1 });
  if (field !== '' || fields.length > 0) records.push([...fields, field]);
  return records;
}
