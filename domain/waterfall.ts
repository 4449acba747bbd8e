import type { Spec } from 'vega';
import { InputError } from './errors.js';
import { formatLogOdds, formatProbability, formatPush, sigmoid } from './log-odds.js';
import { decodeValue, FEATURE_COUNT, FEATURES, LABEL_VALUES } from './schema.js';
import { waterfallSpec } from './waterfall-spec.js';

/** One record's explanation, in log-odds, as the waterfall plot takes it. */
export interface WaterfallInput {
  /** One SHAP value per feature, in schema order ({@link FEATURES}), in log-odds. */
  shap: ArrayLike<number>;
  /** E[f(x)]: the model's average output in log-odds, where every explanation starts. */
  expectedValue: number;
  /** The record's encoded feature values, in schema order; NaN is a missing value. */
  features: ArrayLike<number>;
}

export interface WaterfallOptions {
  /**
   * How many features get a bar of their own, largest |SHAP| first; the rest share one bar.
   * A value above the feature count gives every feature its own bar.
   * @default 3
   */
  topK?: number;
  /** Names the record in the default title. */
  recordId?: string | number;
  /** Replaces the default title. Up to about 50 characters fit beside the colour key on the top line. */
  title?: string;
}

/** Which outcome a bar pushes the prediction toward. */
export type Push = 'positive' | 'negative' | 'none';

/** One step of the waterfall, from `start` to `end` = `start` + `shap`, in log-odds. */
export interface WaterfallBar {
  /** A feature of its own, or the bar for all the features left over. */
  kind: 'feature' | 'rest';
  /** What the reader sees: `relationship = Husband`, or `11 other features`. */
  label: string;
  /** The schema indices of the features in this bar: one, or all the rest in schema order. */
  features: number[];
  shap: number;
  start: number;
  end: number;
  push: Push;
}

/** Everything the plot shows, as numbers and text, before any drawing. */
export interface Waterfall {
  expectedValue: number;
  /** f(x) = E[f(x)] + the sum of all SHAP values, in log-odds. */
  prediction: number;
  /** sigmoid(f(x)): the predicted probability of the positive outcome. */
  probability: number;
  /** The top K features by |SHAP|, then one bar for the rest when any are left. */
  bars: WaterfallBar[];
  title: string;
  subtitle: string;
  /** A plain-language account of the plot, for screen readers and for the review app. */
  description: string;
}

/** A vega spec with the text a screen reader needs, as `renderSvg` in render.ts takes it. */
export interface WaterfallChart {
  spec: Spec;
  title: string;
  description: string;
}

export const DEFAULT_TOP_K = 3;

/** The outcome each push leads toward, in the data set's own words. */
export const PUSH_OUTCOMES: Record<Push, string> = {
  positive: LABEL_VALUES.positive,
  negative: LABEL_VALUES.negative,
  none: 'neither outcome',
};

/** Orders the features, stacks the bars and writes the text. Throws an {@link InputError} naming a bad field. */
export function buildWaterfall(input: WaterfallInput, options: WaterfallOptions = {}): Waterfall {
  const topK = checkTopK(options.topK ?? DEFAULT_TOP_K);
  const shap = checkValues(input.shap, 'shap', false);
  const features = checkValues(input.features, 'features', true);
  if (!Number.isFinite(input.expectedValue)) {
    throw new InputError(`is ${input.expectedValue}`, { field: 'expectedValue' }, 'Give E[f(x)] as a finite log-odds');
  }
  const labels = features.map((value, index) => `${FEATURES[index]!.name} = ${decodeFeature(index, value)}`);

  // Ties in |SHAP| go to the earlier feature, so the same record always draws the same plot.
  const order = shap.map((_, index) => index).sort((a, b) => Math.abs(shap[b]!) - Math.abs(shap[a]!) || a - b);
  const top = order.slice(0, Math.min(topK, FEATURE_COUNT));
  const rest = order.slice(top.length).sort((a, b) => a - b);

  const bars: WaterfallBar[] = [];
  let start = input.expectedValue;
  for (const index of top) {
    bars.push(bar('feature', labels[index]!, [index], shap[index]!, start));
    start += shap[index]!;
  }
  if (rest.length > 0) {
    const restShap = rest.reduce((sum, index) => sum + shap[index]!, 0);
    bars.push(bar('rest', `${rest.length} other feature${rest.length === 1 ? '' : 's'}`, rest, restShap, start));
  }
  // Summing in another order can move the last end by an ulp; the plot must end exactly at f(x).
  const prediction = input.expectedValue + shap.reduce((sum, value) => sum + value, 0);
  bars[bars.length - 1]!.end = prediction;

  const probability = sigmoid(prediction);
  const record = options.recordId === undefined ? '' : ` for record ${options.recordId}`;
  const waterfall = {
    expectedValue: input.expectedValue,
    prediction,
    probability,
    bars,
    title: options.title ?? `What drove the prediction${record}`,
    subtitle: `f(x) = ${formatLogOdds(prediction)} (probability ${formatProbability(probability)} of ${LABEL_VALUES.positive})`,
  };
  return { ...waterfall, description: describe(waterfall) };
}

/** The plain-language description of one record's explanation: the text the plot gives screen readers. */
export function waterfallDescription(input: WaterfallInput, options: WaterfallOptions = {}): string {
  return buildWaterfall(input, options).description;
}

/** The waterfall's vega spec and screen-reader text: horizontal bars from E[f(x)] to f(x), 800 pixels wide. */
export function waterfallChart(input: WaterfallInput, options: WaterfallOptions = {}): WaterfallChart {
  const waterfall = buildWaterfall(input, options);
  return { spec: waterfallSpec(waterfall), title: waterfall.title, description: waterfall.description };
}

function bar(kind: WaterfallBar['kind'], label: string, features: number[], shap: number, start: number): WaterfallBar {
  const push: Push = shap > 0 ? 'positive' : shap < 0 ? 'negative' : 'none';
  return { kind, label, features, shap, start, end: start + shap, push };
}

function describe(waterfall: Omit<Waterfall, 'description'>): string {
  const [first, ...others] = waterfall.bars as [WaterfallBar, ...WaterfallBar[]];
  const next = others.filter((bar) => bar.kind === 'feature');
  const rest = others.find((bar) => bar.kind === 'rest');
  const toward = (bar: WaterfallBar): string => `${formatPush(bar.shap)}, toward ${PUSH_OUTCOMES[bar.push]}`;

  const sentences = [
    `Predicted probability ${formatProbability(waterfall.probability)} of income ${LABEL_VALUES.positive}: ` +
      `f(x) = ${formatLogOdds(waterfall.prediction)} log-odds, ` +
      `against an average E[f(x)] of ${formatLogOdds(waterfall.expectedValue)}.`,
    `Largest push toward ${PUSH_OUTCOMES[first.push]}: ${first.label} (${formatPush(first.shap)}).`,
  ];
  if (next.length > 0) sentences.push(`Next: ${next.map((bar) => `${bar.label} (${toward(bar)})`).join('; ')}.`);
  if (rest !== undefined) {
    const together = rest.features.length > 1 ? ' together' : '';
    sentences.push(`The ${rest.label}${together}: ${rest.push === 'none' ? 'no push' : toward(rest)}.`);
  }
  return sentences.join(' ');
}

function checkTopK(topK: number): number {
  if (!Number.isInteger(topK) || topK < 1) {
    throw new InputError(`is ${topK}`, { field: 'topK' }, 'Give a whole number of features, at least 1');
  }
  return topK;
}

function checkValues(values: ArrayLike<number>, field: string, missingAllowed: boolean): number[] {
  if (values.length !== FEATURE_COUNT) {
    throw new InputError(
      `expected ${FEATURE_COUNT} values, found ${values.length}`,
      { field },
      'Give one value per feature, in schema order',
    );
  }
  const list = Array.from(values);
  list.forEach((value, index) => {
    if (Number.isFinite(value) || (missingAllowed && Number.isNaN(value))) return;
    const fix = missingAllowed ? 'Give a finite number, or NaN for a missing value' : 'Give a finite number';
    throw new InputError(`${FEATURES[index]!.name} is ${value}`, { field: `${field}[${index}]` }, fix);
  });
  return list;
}

function decodeFeature(index: number, value: number): string {
  try {
    return decodeValue(index, value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new InputError(error.message, { field: `features[${index}]` }, 'Encode categories with the code table');
  }
}
