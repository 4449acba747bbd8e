import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCsv, parseNumericCsv } from '../domain/csv.js';
import type { Matrix } from '../domain/matrix.js';
import { baselineShap } from '../domain/shap/baseline-shap.js';
import { columnMeans, computeBaseline, featureKinds } from '../domain/shap/baseline.js';
import { defaultNumSamples } from '../domain/shap/clarify-config.js';
import { kernelShap } from '../domain/shap/kernel-shap.js';
import { xgboostProbabilityModel } from '../domain/shap/tree-coalitions.js';
import { benchData, BENCH_DIR, fastest, reference } from './fixtures.js';

/** Rows the shap package explains: it is too slow for all of adult.test, so its rows/s come from these. */
const SHAP_ROWS = 200;
const SEED = 0;

/**
 * Kernel SHAP on every row of adult.test at Clarify's default sample count (2076 for 14 features), in log-odds
 * (use_logit), on one thread, the fastest of two runs after a warm-up, beside the shap package's KernelExplainer at
 * the same count on the first {@link SHAP_ROWS} rows, whose model calls xgboost may spread over every core.
 * Both are measured against the exact baseline Shapley values, for two baselines: the computed one (median or
 * most frequent code of each feature), where few features of a row differ from it and most rows enumerate
 * every coalition, and the column means, as AWS's example configuration uses, where all 14 differ and
 * coalitions are sampled.
 */
export async function benchKernelShap() {
  const { model, modelPath, test, testCsv } = await benchData();
  const numSamples = defaultNumSamples(model.numFeatures);
  const probabilityModel = xgboostProbabilityModel(model);
  const result: Record<string, string | number> = { name: 'kernel-shap', rows: test.features.rows, numSamples };

  const baselines = { computed: computeBaseline(test.features, featureKinds(14)), means: columnMeans(test.features) };
  for (const [name, baseline] of Object.entries(baselines)) {
    let ours = kernelShap(probabilityModel, test.features, baseline, { numSamples, useLogit: true, seed: SEED });
    const seconds = fastest(2, () => {
      ours = kernelShap(probabilityModel, test.features, baseline, { numSamples, useLogit: true, seed: SEED });
    });
    const exact = baselineShap(model, test.features, baseline);

    const baselineCsv = join(BENCH_DIR, `kernel-baseline-${name}.csv`);
    const shapCsv = join(BENCH_DIR, `kernel-shap-${name}.csv`);
    await writeFile(baselineCsv, formatCsv(baseline));
    const args = ['--model', modelPath, '--input', testCsv, '--baseline', baselineCsv, '--out', shapCsv];
    const options = ['--nsamples', String(numSamples), '--logit', '--rows', String(SHAP_ROWS), '--seed', String(SEED)];
    const shapRun = JSON.parse(await reference('shap-kernel', ...args, ...options)) as ShapRun;
    const theirs = parseNumericCsv(await readFile(shapCsv, 'utf8'), shapCsv);

    const oursRowsPerSecond = test.features.rows / seconds;
    const shapRowsPerSecond = shapRun.rows / shapRun.seconds;
    Object.assign(result, {
      [`${name}OursRowsPerSecond`]: oursRowsPerSecond,
      [`${name}OursSecondsAllRows`]: seconds,
      [`${name}ShapRowsPerSecond`]: shapRowsPerSecond,
      [`${name}RatioToShap`]: oursRowsPerSecond / shapRowsPerSecond,
      [`${name}ShapSecondsAllRowsExtrapolated`]: test.features.rows / shapRowsPerSecond,
      [`${name}OursMaxAbsErrorAllRows`]: maxAbsDifference(ours.values, exact.values, test.features.rows),
      [`${name}OursMaxAbsErrorShapRows`]: maxAbsDifference(ours.values, exact.values, SHAP_ROWS),
      [`${name}ShapMaxAbsErrorShapRows`]: maxAbsDifference(theirs, exact.values, SHAP_ROWS),
      [`${name}OursRmsErrorShapRows`]: rmsDifference(ours.values, exact.values, SHAP_ROWS),
      [`${name}ShapRmsErrorShapRows`]: rmsDifference(theirs, exact.values, SHAP_ROWS),
      [`${name}ExpectedValueDifference`]: Math.abs(shapRun.expected_value - ours.expectedValue),
    });
    result.shapVersion = shapRun.shap;
  }
  return result;
}

interface ShapRun {
  rows: number;
  seconds: number;
  expected_value: number;
  shap: string;
}

function maxAbsDifference(a: Matrix, b: Matrix, rows: number): number {
  let max = 0;
  for (let i = 0; i < rows * a.cols; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

function rmsDifference(a: Matrix, b: Matrix, rows: number): number {
  let sum = 0;
  for (let i = 0; i < rows * a.cols; i++) sum += (a.data[i]! - b.data[i]!) ** 2;
  return Math.sqrt(sum / (rows * a.cols));
}
