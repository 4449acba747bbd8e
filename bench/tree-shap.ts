import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseNumericCsv } from '../domain/csv.js';
import type { Matrix } from '../domain/matrix.js';
import { treeShap } from '../domain/shap/tree-shap.js';
import { benchData, BENCH_DIR, fastest, reference } from './fixtures.js';

interface Timed {
  rows: number;
  seconds: number;
}

/**
 * Path-dependent TreeSHAP on every row of adult.test: the TypeScript code (leaf tables, the recursion alone, and
 * on every core) beside xgboost's C++ `pred_contribs` (one thread and every core) and the shap package's
 * TreeExplainer, with the largest differences between their values. Given an XGBoost booster, TreeExplainer hands
 * the work to xgboost's `pred_contribs` (on every core), so its time is xgboost's plus its own overhead.
 */
export async function benchTreeShap() {
  const { model, modelPath, test, testCsv } = await benchData();
  const rows = test.features.rows;
  const threads = availableParallelism();
  let ours = treeShap(model, test.features);
  const oursSeconds = fastest(5, () => {
    ours = treeShap(model, test.features);
  });
  const recursionSeconds = fastest(2, () => treeShap(model, test.features, { tableBudget: 0 }));
  const parallel = await parallelTreeShap(modelPath, rows, test.features.cols, threads, 5);

  const contribsCsv = `${BENCH_DIR}/adult-test.contribs.ref`;
  const contribsArgs = ['contribs', '--model', modelPath, '--input', testCsv, '--out', contribsCsv, '--repeat', '5'];
  const xgboostOne = JSON.parse(await reference('--threads', '1', ...contribsArgs)) as Timed;
  const xgboostAll = JSON.parse(await reference(...contribsArgs)) as Timed;
  const contribs = parseNumericCsv(await readFile(contribsCsv, 'utf8'), contribsCsv);

  const shapCsv = `${BENCH_DIR}/adult-test.shap-tree.ref`;
  const shapArgs = ['shap-tree', '--model', modelPath, '--input', testCsv, '--out', shapCsv, '--repeat', '3'];
  const shap = JSON.parse(await reference(...shapArgs)) as Timed & { shap: string };
  const shapValues = parseNumericCsv(await readFile(shapCsv, 'utf8'), shapCsv);

  const oursRate = rows / oursSeconds;
  const parallelRate = rows / parallel.seconds;
  const xgboostOneRate = xgboostOne.rows / xgboostOne.seconds;
  const xgboostAllRate = xgboostAll.rows / xgboostAll.seconds;
  const shapRate = shap.rows / shap.seconds;
  return {
    name: 'tree-shap',
    rows,
    trees: model.trees.length,
    threadsForAllCores: threads,
    typescriptRowsPerSecond: oursRate,
    typescriptRecursionOnlyRowsPerSecond: rows / recursionSeconds,
    typescriptAllCoresRowsPerSecond: parallelRate,
    xgboostRowsPerSecond1Thread: xgboostOneRate,
    xgboostRowsPerSecondAllCores: xgboostAllRate,
    shapTreeExplainerRowsPerSecond: shapRate,
    shapVersion: shap.shap,
    ratioTo1Thread: oursRate / xgboostOneRate,
    ratioAllCoresToAllCores: parallelRate / xgboostAllRate,
    ratioToShapTreeExplainer: oursRate / shapRate,
    recursionOnlyRatioTo1Thread: rows / recursionSeconds / xgboostOneRate,
    maxAbsDifferenceToXgboost: maxAbsDifference(ours.values, contribs, ours.expectedValue),
    maxAbsDifferenceToShap: maxAbsDifference(ours.values, shapValues, ours.expectedValue),
    maxAbsDifferenceShapToXgboost: maxAbsDifference(shapValues, contribs),
    maxAbsDifferenceAllCores: maxAbsDifference(ours.values, parallel.values),
  };
}

/** The largest difference over the columns of `values`, and between `bias` and the last column of `theirs`. */
function maxAbsDifference(values: Matrix, theirs: Matrix, bias?: number): number {
  let worst = 0;
  for (let r = 0; r < values.rows; r++) {
    for (let c = 0; c < values.cols; c++) {
      worst = Math.max(worst, Math.abs(values.data[r * values.cols + c]! - theirs.data[r * theirs.cols + c]!));
    }
    if (bias !== undefined) worst = Math.max(worst, Math.abs(bias - theirs.data[r * theirs.cols + values.cols]!));
  }
  return worst;
}

/** TreeSHAP on `threads` worker threads, each explaining a contiguous share of the rows; the fastest of `repeat`. */
async function parallelTreeShap(modelPath: string, rows: number, cols: number, threads: number, repeat: number) {
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * rows) / threads));
  const workers = bounds
    .slice(0, -1)
    .map((first, i) =>
      typescriptWorker(new URL('./tree-shap-worker.ts', import.meta.url), { modelPath, first, end: bounds[i + 1] }),
    );
  try {
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    let seconds = Infinity;
    let parts: Float64Array[] = [];
    for (let run = 0; run < repeat; run++) {
      const started = performance.now();
      const done = workers.map((worker) => once(worker, 'message') as Promise<[Float64Array]>);
      for (const worker of workers) worker.postMessage('go');
      parts = (await Promise.all(done)).map(([values]) => values);
      seconds = Math.min(seconds, (performance.now() - started) / 1000);
    }
    const values = new Float64Array(rows * cols);
    parts.forEach((part, i) => values.set(part, bounds[i]! * cols));
    return { seconds, values: { rows, cols, data: values } };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** A worker thread running a TypeScript module: tsx's loader is registered inside the worker before the module loads. */
function typescriptWorker(module: URL, workerData: unknown): Worker {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}
