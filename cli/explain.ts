import { dirname, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatCsv, parseNumericCsv } from '../domain/csv.js';
import { InputError } from '../domain/errors.js';
import type { Matrix } from '../domain/matrix.js';
import { FEATURE_NAMES } from '../domain/schema.js';
import { resolveBaseline } from '../domain/shap/baseline.js';
import { EXPLAIN_METHODS, parseClarifyConfig, type ExplainMethod } from '../domain/shap/clarify-config.js';
import {
  ANALYSIS_FILE,
  COMPUTED_BASELINE_FILE,
  LOCAL_VALUES_FILE,
  summarizeChunk,
} from '../domain/shap/clarify-output.js';
import { explainRows, planChunks, sliceRows, type RowRange } from '../domain/shap/explain-rows.js';
import { parseXGBoostModel, type XGBoostModel } from '../domain/xgboost-model.js';
import { ExplanationStaging } from '../lib/explanation-staging.js';
import { readInputFile } from '../lib/files.js';
import type { Command } from './main.js';

/** Rows per chunk: each chunk's values go to disk before the next is computed, so memory stays flat. */
const CHUNK_ROWS = 4096;

export const explainCommand: Command = {
  usage: [
    'explain --model MODEL.json --input CSV --config analysis_config.json --out DIR',
    `[--method ${EXPLAIN_METHODS.join('|')}] [--rows FIRST:END] [--reference CSV]`,
  ].join(' '),
  summary: [
    'Explains every row of a CSV of encoded features (no header, no label, as for transform) with SHAP values,',
    'configured and written as SageMaker Clarify does: DIR/explanations_shap/out.csv (a header of feature',
    'names, then one row of values per input row) and DIR/analysis.json (explanations.kernel_shap.label0:',
    'expected_value and global_shap_values). Every method writes under kernel_shap, where Clarify readers',
    'look; analysis.json\'s "review_cycle" names the method and the units of the values.',
    '',
    "  --config FILE     Clarify's analysis_config.json; methods.shap sets baseline, num_samples, use_logit,",
    '                    agg_method, save_local_shap_values, seed, and our own "method"',
    "  --method NAME     kernel (Clarify's Kernel SHAP), tree (path-dependent TreeSHAP, as xgboost's",
    '                    pred_contribs) or baseline-exact (the exact values Kernel SHAP converges to); overrides',
    "                    the config's methods.shap.method",
    '  --rows FIRST:END  explain only input rows FIRST to END - 1, counted from 0; a row draws the same',
    '                    coalitions as in a run over the whole input',
    '  --reference CSV   compute the baseline over these rows instead of the explained ones (when the config',
    '                    has none: the median of each numeric feature, the most frequent code of each',
    '                    categorical one); a computed baseline is saved as DIR/explanations_shap/baseline.csv',
    '',
    'A baseline given as a string is the path of a CSV of baseline rows, relative to the config file.',
  ].join('\n'),
  run,
};

interface Options {
  model: string;
  input: string;
  config: string;
  out: string;
  method?: string;
  rows?: string;
  reference?: string;
}

async function run(args: string[]): Promise<void> {
  const options = readOptions(args);
  const started = performance.now();
  const model = parseXGBoostModel(await readInputFile(options.model, 'model'), options.model);
  const config = parseClarifyConfig(
    await readInputFile(options.config, 'analysis configuration'),
    options.config,
    model.numFeatures,
    defaultFeatureNames(model),
  );
  const method = options.method === undefined ? config.method : readMethod(options.method);
  const input = await readFeatures(options.input, model, 'input CSV');
  const range = readRange(options.rows, input.rows);
  const features = sliceRows(input, range, '--rows');

  const usesBaseline = method !== 'tree';
  if (options.reference !== undefined && config.baseline.kind !== 'computed') {
    throw new InputError(
      'only applies when the configuration gives no baseline',
      { field: '--reference' },
      'Remove --reference or methods.shap.baseline',
    );
  }
  const reference = options.reference ? await readFeatures(options.reference, model, 'reference CSV') : features;
  const baseline = usesBaseline
    ? await resolveBaseline(config.baseline, reference, async (location) => {
        const file = isAbsolute(location) ? location : join(dirname(options.config), location);
        return { text: await readInputFile(file, 'baseline'), file };
      })
    : undefined;

  const staging = await ExplanationStaging.create(options.out);
  try {
    const settings = { method, numSamples: config.numSamples, useLogit: config.useLogit, seed: config.seed };
    const summaries = [];
    for (const [index, chunk] of planChunks(features.rows, CHUNK_ROWS).entries()) {
      const rows = sliceRows(features, chunk);
      const explanation = explainRows(model, rows, baseline?.rows, settings, range.firstRow + chunk.firstRow);
      const { summary, body } = summarizeChunk(explanation, chunk.firstRow);
      await staging.writeChunk(index, body);
      summaries.push(summary);
    }
    if (baseline?.computed) await staging.writeOutput(COMPUTED_BASELINE_FILE, formatCsv(baseline.rows));
    await staging.merge(summaries, {
      featureNames: config.featureNames,
      aggMethod: config.aggMethod,
      saveLocalShapValues: config.saveLocalShapValues,
      run: {
        method,
        units: summaries[0]!.units,
        agg_method: config.aggMethod,
        ...(method === 'kernel' && { num_samples: config.numSamples, use_logit: config.useLogit, seed: config.seed }),
        ...(baseline && { baseline: baselineRows(baseline.rows), baseline_computed: baseline.computed }),
        first_row: range.firstRow,
      },
    });
    await staging.publish();
  } finally {
    await staging.cleanup();
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const written = [config.saveLocalShapValues && LOCAL_VALUES_FILE, ANALYSIS_FILE].filter(Boolean);
  console.error(
    `explained ${features.rows} rows with ${method} in ${seconds} s: ${written.join(', ')} in ${options.out}`,
  );
  if (config.ignored.length > 0) console.error(`not used by explain: ${config.ignored.join(', ')}`);
}

function readOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      input: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      method: { type: 'string' },
      rows: { type: 'string' },
      reference: { type: 'string' },
    },
  });
  for (const name of ['model', 'input', 'config', 'out'] as const) {
    if (!values[name]) throw new InputError(`--${name} is required`, {}, `Usage: review-cycle ${explainCommand.usage}`);
  }
  return values as Options;
}

function readMethod(text: string): ExplainMethod {
  if (!(EXPLAIN_METHODS as readonly string[]).includes(text)) {
    throw new InputError(
      `unknown method '${text}'`,
      { field: '--method' },
      `Use one of: ${EXPLAIN_METHODS.join(', ')}`,
    );
  }
  return text as ExplainMethod;
}

/** `FIRST:END` as in a Python slice: rows FIRST to END - 1; either end may be left out. */
function readRange(text: string | undefined, total: number): RowRange {
  if (text === undefined) return { firstRow: 0, rows: total };
  const match = /^(\d*):(\d*)$/.exec(text.trim());
  if (!match) throw new InputError(`'${text}' is not FIRST:END`, { field: '--rows' }, 'Write for example 0:100');
  const first = match[1] === '' ? 0 : Number(match[1]);
  const end = match[2] === '' ? total : Number(match[2]);
  if (first >= total || end > total || end <= first) {
    throw new InputError(
      `rows ${text} are out of range: the input has ${total} rows, 0 to ${total - 1}`,
      { field: '--rows' },
      'Count rows from 0; END is the first row not explained',
    );
  }
  return { firstRow: first, rows: end - first };
}

async function readFeatures(file: string, model: XGBoostModel, what: string): Promise<Matrix> {
  const columns = model.numFeatures === FEATURE_NAMES.length ? FEATURE_NAMES : model.numFeatures;
  return parseNumericCsv(await readInputFile(file, what), file, columns);
}

function defaultFeatureNames(model: XGBoostModel): string[] {
  if (model.numFeatures === FEATURE_NAMES.length) return [...FEATURE_NAMES];
  return model.featureNames ?? Array.from({ length: model.numFeatures }, (_, i) => `feature_${i}`);
}

/** Baseline rows for analysis.json, a missing value as null. */
function baselineRows(rows: Matrix): (number | null)[][] {
  return Array.from({ length: rows.rows }, (_, r) =>
    Array.from(rows.data.subarray(r * rows.cols, (r + 1) * rows.cols), (value) => (Number.isNaN(value) ? null : value)),
  );
}
