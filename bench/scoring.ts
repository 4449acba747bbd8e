import { readFile } from 'node:fs/promises';
import { parseNumericCsv } from '../domain/csv.js';
import { predictProbabilities } from '../domain/xgboost-model.js';
import { benchData, BENCH_DIR, fastest, reference } from './fixtures.js';

/** Scoring all of adult.test: the TypeScript scorer beside xgboost's own predict, one thread each. */
export async function benchScoring() {
  const { model, modelPath, test, testCsv } = await benchData();
  let ours: Float64Array = new Float64Array(0);
  const oursSeconds = fastest(5, () => {
    ours = predictProbabilities(model, test.features);
  });

  const out = `${BENCH_DIR}/adult-test.prob.ref`;
  const args = ['predict', '--model', modelPath, '--input', testCsv, '--out', out, '--repeat', '5'];
  const single = JSON.parse(await reference('--threads', '1', ...args)) as { rows: number; seconds: number };
  const all = JSON.parse(await reference(...args)) as { rows: number; seconds: number };
  const theirs = parseNumericCsv(await readFile(out, 'utf8'), out, 1).data;

  let maxAbsDifference = 0;
  for (let i = 0; i < theirs.length; i++)
    maxAbsDifference = Math.max(maxAbsDifference, Math.abs(ours[i]! - theirs[i]!));
  const rowsPerSecond = test.features.rows / oursSeconds;
  return {
    name: 'scoring',
    rows: test.features.rows,
    trees: model.trees.length,
    typescriptRowsPerSecond: rowsPerSecond,
    xgboostRowsPerSecond1Thread: single.rows / single.seconds,
    xgboostRowsPerSecondAllThreads: all.rows / all.seconds,
    ratioTo1Thread: rowsPerSecond / (single.rows / single.seconds),
    maxAbsDifference,
  };
}
