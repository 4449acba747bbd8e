import { InputError } from '../errors.js';
import { createMatrix, type Matrix } from '../matrix.js';
import { allCoalitions } from './kernel-sampling.js';

export const EXPLAIN_METHODS = ['kernel', 'tree', 'baseline-exact'] as const;
/** Kernel SHAP (Clarify's method), path-dependent TreeSHAP, or exact Shapley values against the baseline. */
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export const AGG_METHODS = ['mean_abs', 'median', 'mean_sq'] as const;
/** How `global_shap_values` aggregates each feature's local values over the rows. */
export type AggMethod = (typeof AGG_METHODS)[number];

/** Where the baseline comes from: rows given inline, a file or object-store key to read them from, or computed. */
export type BaselineSpec =
  { kind: 'rows'; rows: Matrix } | { kind: 'location'; location: string } | { kind: 'computed' };

/** `methods.shap` of a Clarify analysis configuration, validated, with every default filled in. */
export interface ShapConfig {
  method: ExplainMethod;
  baseline: BaselineSpec;
  /** @default min(2M + 2048, 2^M - 2) for M features */
  numSamples: number;
  /** @default false */
  useLogit: boolean;
  /** @default 'mean_abs' */
  aggMethod: AggMethod;
  /** @default true */
  saveLocalShapValues: boolean;
  /** @default 0, so that every run is reproducible */
  seed: number;
  /** The feature columns' names: `headers` without the label, or the given defaults. */
  featureNames: string[];
  /** Fields that Clarify reads but that do not change what review-cycle computes, for the user to know. */
  ignored: string[];
}

/** Clarify's default number of coalitions for M features. */
export function defaultNumSamples(features: number): number {
  return Math.min(2 * features + 2048, allCoalitions(features));
}

const SHAP_FIELDS = [
  'baseline',
  'num_samples',
  'use_logit',
  'agg_method',
  'save_local_shap_values',
  'seed',
  'method',
  'num_clusters',
  'features_to_explain',
  'text_config',
  'image_config',
];

/** The top-level fields that explain reads; Clarify's others (the predictor, bias settings ...) are ignored. */
const USED_FIELDS = ['version', 'dataset_type', 'headers', 'label', 'methods'];

type Json = Record<string, unknown>;

class ConfigReader {
  constructor(readonly file: string) {}

  fail(field: string, problem: string, fix?: string): never {
    throw new InputError(problem, { file: this.file, field }, fix);
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be a JSON object');
    return value as Json;
  }

  boolean(value: unknown, field: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, not ${JSON.stringify(value)}`);
    return value;
  }

  integer(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(field, `must be a whole number, not ${JSON.stringify(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      this.fail(field, `unknown value ${JSON.stringify(value)}`, `Use one of: ${choices.join(', ')}`);
    }
    return value as T;
  }
}

/**
 * Reads a SageMaker Clarify analysis configuration (`analysis_config.json`) for the explain command. Only
 * `methods.shap` drives the computation; `headers` and `label` name the feature columns. Other fields of
 * Clarify's schema (the predictor, bias settings, `methods.report` ...) are accepted and listed in `ignored`.
 * Every error names the file and the field.
 * @param numFeatures the model's feature count: baseline rows must have this width
 * @param defaultNames the feature names to use when the configuration has no `headers`
 */
export function parseClarifyConfig(
  text: string,
  file: string,
  numFeatures: number,
  defaultNames: readonly string[],
): ShapConfig {
  const read = new ConfigReader(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `is not valid JSON (${(error as Error).message})`,
      { file },
      'Write the analysis configuration as a JSON object, as SageMaker Clarify takes it',
    );
  }
  const top = read.object(json, '(top level)');
  const ignored: string[] = [];

  if (top.version !== undefined && top.version !== '1.0' && top.version !== 1) {
    read.fail('version', `unsupported version ${JSON.stringify(top.version)}`, 'Use "1.0" or leave it out');
  }
  if (top.dataset_type !== undefined && top.dataset_type !== 'text/csv') {
    read.fail('dataset_type', `${JSON.stringify(top.dataset_type)} is not supported`, 'Use "text/csv"');
  }
  const featureNames = readFeatureNames(read, top, numFeatures, defaultNames);
  for (const key of Object.keys(top)) if (!USED_FIELDS.includes(key)) ignored.push(key);

  const methods = read.object(top.methods, 'methods');
  if (methods.shap === undefined) {
    read.fail('methods.shap', 'is missing', 'Add a "shap" object under "methods": explain computes SHAP values');
  }
  for (const key of Object.keys(methods)) if (key !== 'shap') ignored.push(`methods.${key}`);
  const shap = read.object(methods.shap, 'methods.shap');
  for (const key of Object.keys(shap)) {
    if (!SHAP_FIELDS.includes(key)) {
      read.fail(`methods.shap.${key}`, 'is not a SHAP setting', `Use only: ${SHAP_FIELDS.join(', ')}`);
    }
  }
  for (const key of ['text_config', 'image_config', 'features_to_explain']) {
    if (shap[key] !== undefined) {
      read.fail(`methods.shap.${key}`, 'is not supported', 'review-cycle explains every tabular feature; remove it');
    }
  }
  if (shap.num_clusters !== undefined) {
    if (shap.baseline !== undefined) {
      read.fail('methods.shap.num_clusters', 'cannot be given together with baseline', 'Give one of the two');
    }
    ignored.push('methods.shap.num_clusters');
  }

  let numSamples = defaultNumSamples(numFeatures);
  if (shap.num_samples !== undefined) {
    numSamples = read.integer(shap.num_samples, 'methods.shap.num_samples');
    if (numSamples < 2) read.fail('methods.shap.num_samples', `must be >= 2, not ${numSamples}`);
  }
  return {
    method: read.oneOf(shap.method, 'methods.shap.method', EXPLAIN_METHODS, 'kernel'),
    baseline: readBaseline(read, shap.baseline, numFeatures),
    numSamples,
    useLogit: read.boolean(shap.use_logit, 'methods.shap.use_logit', false),
    aggMethod: read.oneOf(shap.agg_method, 'methods.shap.agg_method', AGG_METHODS, 'mean_abs'),
    saveLocalShapValues: read.boolean(shap.save_local_shap_values, 'methods.shap.save_local_shap_values', true),
    seed: shap.seed === undefined ? 0 : read.integer(shap.seed, 'methods.shap.seed'),
    featureNames,
    ignored,
  };
}

/** `headers` name every column of the dataset, the label's included; the features are the others, in order. */
function readFeatureNames(
  read: ConfigReader,
  top: Json,
  numFeatures: number,
  defaultNames: readonly string[],
): string[] {
  if (top.headers === undefined) return [...defaultNames];
  if (!Array.isArray(top.headers) || top.headers.some((name) => typeof name !== 'string')) {
    read.fail('headers', 'must be a list of column names');
  }
  const headers = top.headers as string[];
  let labelIndex = -1;
  if (typeof top.label === 'string') labelIndex = headers.indexOf(top.label);
  else if (typeof top.label === 'number') labelIndex = top.label;
  else if (top.label !== undefined) read.fail('label', 'must be a column name or index');
  if (top.label !== undefined && (labelIndex < 0 || labelIndex >= headers.length)) {
    read.fail('label', `${JSON.stringify(top.label)} is not one of the headers`);
  }
  const names = headers.filter((_, index) => index !== labelIndex);
  if (names.length !== numFeatures) {
    const without = labelIndex >= 0 ? ` without the label '${headers[labelIndex]}'` : '';
    read.fail(
      'headers',
      `expected ${numFeatures} feature names${without}, found ${names.length}`,
      'List one name per feature column, in schema order, plus the label if "label" is given',
    );
  }
  return names;
}

/** Inline rows (a list of lists, or one flat list for a single row), a location string, or absent. */
function readBaseline(read: ConfigReader, value: unknown, numFeatures: number): BaselineSpec {
  const field = 'methods.shap.baseline';
  if (value === undefined) return { kind: 'computed' };
  if (typeof value === 'string') {
    if (value.trim() === '') read.fail(field, 'is an empty location');
    return { kind: 'location', location: value };
  }
  if (!Array.isArray(value) || value.length === 0) {
    read.fail(field, 'must be a non-empty list of rows or the location of a baseline file');
  }
  const rows = (value as unknown[]).every((item) => !Array.isArray(item)) ? [value] : (value as unknown[]);
  const matrix = createMatrix(rows.length, numFeatures);
  rows.forEach((items, r) => {
    const at = rows.length === 1 && rows[0] === value ? field : `${field}[${r}]`;
    if (!Array.isArray(items)) read.fail(at, 'must be a list of feature values');
    if (items.length !== numFeatures) {
      read.fail(at, `expected ${numFeatures} values, found ${items.length}`, 'Give one value per feature, no label');
    }
    items.forEach((item: unknown, c) => {
      if (item === null) matrix.data[r * numFeatures + c] = Number.NaN;
      else if (typeof item === 'number' && Number.isFinite(item)) matrix.data[r * numFeatures + c] = item;
      else {
        read.fail(
          `${at}[${c}]`,
          `${JSON.stringify(item)} is not a number`,
          'Baseline rows hold encoded features (category codes), null for a missing value',
        );
      }
    });
  });
  return { kind: 'rows', rows: matrix };
}
