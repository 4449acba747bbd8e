import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNumericCsv } from '../domain/csv.js';
import { InputError } from '../domain/errors.js';
import { row } from '../domain/matrix.js';
import { renderChart } from '../domain/render.js';
import { FEATURE_NAMES } from '../domain/schema.js';
import { DEFAULT_TOP_K, waterfallChart } from '../domain/waterfall.js';
import type { Command } from './main.js';

const SHAP_FILE = join('explanations_shap', 'out.csv');
const ANALYSIS_FILE = 'analysis.json';
const EXPECTED_VALUE_PATH = ['explanations', 'kernel_shap', 'label0', 'expected_value'];
const EXPLAIN_FIX = 'Give --explanations the folder that `review-cycle explain --out DIR` wrote';

export const plotCommand: Command = {
  usage: 'plot --explanations DIR --input CSV --row N --out FILE.svg|FILE.png [--top K]',
  summary: [
    'Draws the SHAP waterfall of one record: from the average model output E[f(x)] to its own f(x), in',
    `log-odds, with the top K features by |SHAP| (default ${DEFAULT_TOP_K}) and one bar for the rest.`,
    '',
    `  --explanations DIR  what \`review-cycle explain\` wrote: ${SHAP_FILE} and ${ANALYSIS_FILE}`,
    '  --input CSV         the encoded features the explanations were computed from (no header)',
    '  --row N             which record, counted from 0 over the data rows: line N+1 of the input CSV,',
    `                      line N+2 of ${SHAP_FILE} (after its header), as pandas' .iloc[N] reads them`,
    '  --out FILE          .svg for a vector image, .png for an 800-pixel-wide picture',
    '  --top K             how many features get a bar of their own',
  ].join('\n'),
  run,
};

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      explanations: { type: 'string' },
      input: { type: 'string' },
      row: { type: 'string' },
      out: { type: 'string' },
      top: { type: 'string' },
    },
    strict: true,
  });
  const dir = required(values.explanations, '--explanations');
  const inputFile = required(values.input, '--input');
  const out = required(values.out, '--out');
  const index = wholeNumber(required(values.row, '--row'), '--row', 0);
  const topK = values.top === undefined ? DEFAULT_TOP_K : wholeNumber(values.top, '--top', 1);
  const format = extname(out).toLowerCase();
  if (format !== '.svg' && format !== '.png') {
    throw new InputError(
      `'${out}' is neither .svg nor .png`,
      { field: '--out' },
      'Name the output FILE.svg or FILE.png',
    );
  }

  const features = parseNumericCsv(readText(inputFile, 'Give the encoded features CSV'), inputFile, FEATURE_NAMES);
  const shap = readShapRow(join(dir, SHAP_FILE), index, features.rows);
  const expectedValue = readExpectedValue(join(dir, ANALYSIS_FILE));

  const chart = waterfallChart(
    { shap, expectedValue, features: row(features, index) },
    { topK, title: `What drove the prediction for row ${index} of ${basename(inputFile)}` },
  );
  writeAtomically(out, await renderChart(chart, format === '.svg' ? 'svg' : 'png'));
  console.log(`Wrote ${out}`);
}

/** One row of Clarify's local SHAP values, in schema order whatever the order of the file's columns. */
function readShapRow(file: string, index: number, inputRows: number): Float64Array {
  const lines = readText(file, EXPLAIN_FIX).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((name) => name.trim());
  const columns = FEATURE_NAMES.map((name) => header.indexOf(name));
  const lacking = FEATURE_NAMES.filter((_, feature) => columns[feature] === -1);
  if (lacking.length > 0 || header.length !== FEATURE_NAMES.length) {
    const problem = lacking.length > 0 ? `lacks ${lacking.join(', ')}` : `has ${header.length} columns`;
    throw new InputError(
      `the header ${problem}`,
      { file, row: 1 },
      `Start the file with one column per feature: ${FEATURE_NAMES.join(',')}`,
    );
  }

  const dataRows = lines.length - 1;
  if (dataRows !== inputRows) {
    throw new InputError(
      `has ${dataRows} rows of SHAP values but the input has ${inputRows} rows`,
      { file },
      'Give the --input the explanations were computed from',
    );
  }
  if (index >= dataRows) {
    throw new InputError(
      `row ${index} is out of range: there are ${dataRows} rows, numbered 0 to ${dataRows - 1}`,
      { field: '--row' },
      'Count rows from 0, over the data rows only',
    );
  }

  const fields = lines[index + 1]!.split(',');
  if (fields.length !== header.length) {
    throw new InputError(
      `expected ${header.length} values, found ${fields.length}`,
      { file, row: index + 2 },
      'Write one SHAP value per column of the header',
    );
  }
  return Float64Array.from(columns, (column) => {
    const value = Number(fields[column]!.trim());
    if (fields[column]!.trim() === '' || !Number.isFinite(value)) {
      throw new InputError(
        `'${fields[column]}' is not a number`,
        { file, row: index + 2, field: header[column] },
        'Every SHAP value must be a finite number',
      );
    }
    return value;
  });
}

/** E[f(x)] as Clarify's analysis.json states it. */
function readExpectedValue(file: string): number {
  let node: unknown;
  try {
    node = JSON.parse(readText(file, EXPLAIN_FIX));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`is not valid JSON (${(error as Error).message})`, { file }, EXPLAIN_FIX);
  }
  for (const key of EXPECTED_VALUE_PATH) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node !== 'number' || !Number.isFinite(node)) {
    throw new InputError(
      `has no finite number at ${EXPECTED_VALUE_PATH.join('.')}`,
      { file, field: EXPECTED_VALUE_PATH.join('.') },
      EXPLAIN_FIX,
    );
  }
  return node;
}

function readText(file: string, fix: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError('no such file', { file }, fix);
  }
}

function required(value: string | undefined, option: string): string {
  if (value === undefined)
    throw new InputError('is missing', { field: option }, `Usage: review-cycle ${plotCommand.usage}`);
  return value;
}

function wholeNumber(text: string, option: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new InputError(
      `'${text}' is not a whole number from ${min} up`,
      { field: option },
      `Give ${min}, ${min + 1}, ...`,
    );
  }
  return Number(text);
}

/** Writes the file whole or not at all, so a failed run never leaves half an image behind. */
function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError('its folder does not exist', { file, field: '--out' }, 'Create the folder first');
  }
}
