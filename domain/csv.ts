import { InputError } from './errors.js';
import { createMatrix, row, type Matrix } from './matrix.js';

/**
 * Numbers as an encoded CSV writes them: shortest round-trip decimal, and an empty field for a missing value,
 * which is how XGBoost and SageMaker's CSV readers take missing values.
 */
export function formatCsvRow(values: ArrayLike<number>): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (i > 0) line += ',';
    if (!Number.isNaN(value)) line += String(value);
  }
  return line;
}

export function formatCsv(matrix: Matrix): string {
  let text = '';
  for (let r = 0; r < matrix.rows; r++) text += formatCsvRow(row(matrix, r)) + '\n';
  return text;
}

/**
 * Parses a numeric CSV with no header, as SageMaker's batch transform and training jobs take it.
 * Every row must have one field per column; an empty field is a missing value (NaN).
 * @param file named in every error, so the user knows which input to fix
 * @param columns the expected column names (named in errors), or just their count; by default the first row's width
 * @param rowsBefore the rows of the file that come before `text`, when it is a part of the file, for errors' row numbers
 */
export function parseNumericCsv(
  text: string,
  file: string,
  columns?: readonly string[] | number,
  rowsBefore = 0,
): Matrix {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new InputError('the file is empty', { file }, 'Give at least one row of numbers');

  const names = typeof columns === 'object' ? columns : undefined;
  const cols = names?.length ?? (typeof columns === 'number' ? columns : lines[0]!.split(',').length);
  const matrix = createMatrix(lines.length, cols);
  for (let r = 0; r < lines.length; r++) {
    const fields = lines[r]!.split(',');
    if (fields.length !== cols) {
      throw new InputError(
        `expected ${cols} fields, found ${fields.length}`,
        { file, row: rowsBefore + r + 1 },
        'Write one value per feature, in schema order, with no header and no label column',
      );
    }
    for (let c = 0; c < cols; c++) {
      const field = fields[c]!.trim();
      const value = field === '' ? Number.NaN : Number(field);
      if (field !== '' && !Number.isFinite(value)) {
        const name = names?.[c] ?? `column ${c + 1}`;
        throw new InputError(
          `'${field}' is not a number`,
          { file, row: rowsBefore + r + 1, field: name },
          'Encode categories with the code table and leave missing values empty',
        );
      }
      matrix.data[r * cols + c] = value;
    }
  }
  return matrix;
}
