import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatCsv, formatCsvRow } from '../domain/csv.js';
import { loadAdultFile, type LabelledRows } from '../domain/dataset.js';
import { parseXGBoostModel, type XGBoostModel } from '../domain/xgboost-model.js';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BENCH_DIR = join(ROOT, '.data/bench');
const PYTHON = join(ROOT, '.venv/bin/python');

/** The hyperparameters of the usual SageMaker XGBoost example on Adult, which every benchmark model uses. */
export const BENCH_HYPERPARAMETERS = { max_depth: 5, eta: 0.2, gamma: 4, min_child_weight: 6, subsample: 0.8 };
export const BENCH_ROUNDS = 100;

export interface BenchData {
  model: XGBoostModel;
  modelPath: string;
  test: LabelledRows;
  /** adult.test as an encoded features CSV, for the reference library. */
  testCsv: string;
}

/** Runs python/reference.py with the project's Python; returns what it printed. */
export async function reference(...args: string[]): Promise<string> {
  const { stdout } = await run(PYTHON, [join(ROOT, 'python/reference.py'), ...args], { maxBuffer: 256 << 20 });
  return stdout;
}

/** Prepares, once, the model trained by the real library on adult.data and adult.test as CSV. */
export async function benchData(): Promise<BenchData> {
  await mkdir(BENCH_DIR, { recursive: true });
  const test = loadAdultFile('test');
  const testCsv = join(BENCH_DIR, 'adult-test.csv');
  const modelPath = join(BENCH_DIR, 'adult-model.json');
  if (!existsSync(testCsv)) await writeFile(testCsv, formatCsv(test.features));
  if (!existsSync(modelPath)) {
    const data = loadAdultFile('data');
    const xy = join(BENCH_DIR, 'adult-data-xy.csv');
    let text = '';
    for (let r = 0; r < data.features.rows; r++) {
      text += `${data.labels[r]},${formatCsvRow(data.features.data.subarray(r * 14, (r + 1) * 14))}\n`;
    }
    await writeFile(xy, text);
    const params = JSON.stringify(BENCH_HYPERPARAMETERS);
    await reference(
      'fixture',
      '--kind',
      'gbtree',
      '--input',
      xy,
      '--out',
      modelPath,
      '--rounds',
      String(BENCH_ROUNDS),
      '--params',
      params,
    );
  }
  return { model: parseXGBoostModel(await readFile(modelPath, 'utf8'), modelPath), modelPath, test, testCsv };
}

/** The fastest of `repeat` runs of `work`, in seconds. */
export function fastest(repeat: number, work: () => void): number {
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    work();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}
