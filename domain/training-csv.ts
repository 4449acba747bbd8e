import { formatCsvRow } from './csv.js';
import type { LabelledRows } from './dataset.js';
import { InputError } from './errors.js';
import { FEATURE_COUNT, FEATURE_NAMES, LABEL_NAME } from './schema.js';

/** The columns of a training CSV: the label, then the 14 encoded features in schema order. */
export const TRAINING_COLUMNS: readonly string[] = [LABEL_NAME, ...FEATURE_NAMES];

/** A decimal number as both JavaScript and Python read it (no hex, no `Infinity`, no `nan`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Labelled rows as SageMaker's XGBoost trains on them: no header, the label (1 or 0) first, then the features. */
export function formatTrainingCsv(rows: LabelledRows): string {
  const { features, labels } = rows;
  let text = '';
  for (let r = 0; r < features.rows; r++) {
    text += `${labels[r]},${formatCsvRow(features.data.subarray(r * features.cols, (r + 1) * features.cols))}\n`;
  }
  return text;
}

/**
 * Checks that a CSV follows the training contract before any training starts: one row per record with
 * 15 fields, a label of 0 or 1, numeric features, empty fields for missing values. Returns the number of rows.
 * @param file named in every error
 */
export function checkTrainingCsv(text: string, file: string): number {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) {
    throw new InputError('the file is empty', { file }, 'Give one row per record: the label, then the 14 features');
  }

  lines.forEach((line, index) => {
    const where = { file, row: index + 1 };
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length !== TRAINING_COLUMNS.length) {
      throw new InputError(
        `expected ${TRAINING_COLUMNS.length} fields, found ${fields.length}`,
        where,
        `Write the label (0 or 1), then the ${FEATURE_COUNT} encoded features in schema order, with no header`,
      );
    }
    const label = fields[0]!;
    if (!DECIMAL.test(label) || (Number(label) !== 0 && Number(label) !== 1)) {
      const problem = label === '' ? 'the label is missing' : `label '${label}' is not 0 or 1`;
      const fix = index === 0 && !DECIMAL.test(label) ? 'Remove the header row' : 'The first column is the label';
      throw new InputError(problem, { ...where, field: LABEL_NAME }, fix);
    }
    fields.forEach((field, column) => {
      if (column > 0 && field !== '' && !DECIMAL.test(field)) {
        throw new InputError(
          `'${field}' is not a number`,
          { ...where, field: TRAINING_COLUMNS[column] },
          'Encode categories with the code table and leave missing values empty',
        );
      }
    });
  });
  return lines.length;
}
