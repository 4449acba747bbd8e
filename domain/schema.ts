import { ADULT_CODES } from './adult-codes.js';
import { InputError, type InputLocation } from './errors.js';

export type CategoricalFeature = keyof typeof ADULT_CODES;

export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'categorical';
}

/** The 14 features of UCI Adult, in the order of the raw files and of every encoded CSV. */
export const FEATURES: readonly FeatureSpec[] = [
  { name: 'age', kind: 'numeric' },
  { name: 'workclass', kind: 'categorical' },
  { name: 'fnlwgt', kind: 'numeric' },
  { name: 'education', kind: 'categorical' },
  { name: 'education-num', kind: 'numeric' },
  { name: 'marital-status', kind: 'categorical' },
  { name: 'occupation', kind: 'categorical' },
  { name: 'relationship', kind: 'categorical' },
  { name: 'race', kind: 'categorical' },
  { name: 'sex', kind: 'categorical' },
  { name: 'capital-gain', kind: 'numeric' },
  { name: 'capital-loss', kind: 'numeric' },
  { name: 'hours-per-week', kind: 'numeric' },
  { name: 'native-country', kind: 'categorical' },
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((feature) => feature.name);
export const FEATURE_COUNT = FEATURES.length;

export const LABEL_NAME = 'income';
/** The positive outcome (label 1) and the negative one (label 0). */
export const LABEL_VALUES = { positive: '>50K', negative: '<=50K' } as const;

/** How the raw files write an unknown value. It is encoded as a missing value (NaN, an empty CSV field). */
export const UNKNOWN_VALUE = '?';

const codeIndex = new Map<string, Map<string, number>>(
  Object.entries(ADULT_CODES).map(([name, values]) => [name, new Map(values.map((value, code) => [value, code]))]),
);

/** The code of one raw value; `?` gives NaN. Throws an {@link InputError} for a value the code table lacks. */
export function encodeValue(featureIndex: number, raw: string, where: InputLocation = {}): number {
  const feature = FEATURES[featureIndex];
  if (feature === undefined) throw new InputError(`no feature at index ${featureIndex}`, where);
  const text = raw.trim();
  if (text === UNKNOWN_VALUE || text === '') return Number.NaN;

  if (feature.kind === 'numeric') {
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new InputError(`'${text}' is not a number`, { ...where, field: feature.name }, 'Write a decimal number');
    }
    return value;
  }

  const code = codeIndex.get(feature.name)?.get(text);
  if (code === undefined) {
    const known = ADULT_CODES[feature.name as CategoricalFeature].join(', ');
    throw new InputError(
      `unknown ${feature.name} '${text}'`,
      { ...where, field: feature.name },
      `Use one of: ${known}, or ? for unknown`,
    );
  }
  return code;
}

/** The raw text of one encoded value: a category's name, a number as written, `?` for missing. */
export function decodeValue(featureIndex: number, value: number): string {
  const feature = FEATURES[featureIndex];
  if (feature === undefined) throw new RangeError(`no feature at index ${featureIndex}`);
  if (Number.isNaN(value)) return UNKNOWN_VALUE;
  if (feature.kind === 'numeric') return String(value);
  const name = ADULT_CODES[feature.name as CategoricalFeature][value];
  if (name === undefined) throw new RangeError(`${feature.name} has no code ${value}`);
  return name;
}

/** Every feature of one encoded row as `name = value` text, in schema order. */
export function describeRow(row: ArrayLike<number>): { feature: string; value: string }[] {
  return FEATURES.map((feature, index) => ({ feature: feature.name, value: decodeValue(index, row[index]!) }));
}
