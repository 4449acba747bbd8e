import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatCsv, formatCsvRow, parseNumericCsv } from '../../domain/csv.js';
import type { LabelledRows } from '../../domain/dataset.js';
import type { Matrix } from '../../domain/matrix.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const python = join(root, '.venv/bin/python');
const script = join(root, 'python/reference.py');

/** Runs the real XGBoost library through python/reference.py. */
async function reference(...args: string[]): Promise<string> {
  const { stdout } = await run(python, [script, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export async function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `review-cycle-${prefix}-`));
}

/** Writes rows as a training CSV (label first) and features as a transform CSV; returns both paths. */
export async function writeDataset(dir: string, rows: LabelledRows, name: string): Promise<{ xy: string; x: string }> {
  let xy = '';
  for (let r = 0; r < rows.features.rows; r++) {
    xy += `${rows.labels[r]},${formatCsvRow(rows.features.data.subarray(r * rows.features.cols, (r + 1) * rows.features.cols))}\n`;
  }
  const paths = { xy: join(dir, `${name}-xy.csv`), x: join(dir, `${name}.csv`) };
  await writeFile(paths.xy, xy);
  await writeFile(paths.x, formatCsv(rows.features));
  return paths;
}

/** Trains a model with the real library: plain gbtree, DART, or with categorical splits. */
export async function trainFixture(kind: 'gbtree' | 'dart' | 'categorical', xyCsv: string, out: string, rounds = 30) {
  await reference('fixture', '--kind', kind, '--input', xyCsv, '--out', out, '--rounds', String(rounds));
}

/** XGBoost's own probabilities (or margins) for a features CSV. */
export async function referencePredict(model: string, inputCsv: string, margin = false): Promise<Float64Array> {
  const out = `${inputCsv}.${margin ? 'margin' : 'prob'}.ref`;
  await reference('predict', '--model', model, '--input', inputCsv, '--out', out, ...(margin ? ['--margin'] : []));
  return parseNumericCsv(await readFile(out, 'utf8'), out, 1).data;
}

/** XGBoost's own TreeSHAP values (`pred_contribs=True`): one column per feature, then the bias column. */
export async function referenceContribs(model: string, inputCsv: string): Promise<Matrix> {
  const out = `${inputCsv}.contribs.ref`;
  await reference('contribs', '--model', model, '--input', inputCsv, '--out', out);
  return parseNumericCsv(await readFile(out, 'utf8'), out);
}
