import { InputError } from './errors.js';
import { scoreMargins } from './forest.js';
import type { Matrix } from './matrix.js';

/**
 * One regression tree of an XGBoost model, as flat arrays indexed by node id. A leaf has `left[node] === -1`
 * and its output in `value[node]`. A numeric split sends `x < threshold` left; a categorical split sends the
 * categories in its set right and every other category left; a missing value (NaN) follows `defaultLeft`.
 */
export interface Tree {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  value: Float64Array;
  /** The sum of hessians of the training rows that reached each node: TreeSHAP's cover. */
  cover: Float64Array;
  /** For a categorical split node, the categories that go right; undefined for numeric splits and leaves. */
  categories: (ReadonlySet<number> | undefined)[];
  /** The tree's weight in the sum (1 except in DART models). */
  weight: number;
}

/** A binary:logistic XGBoost model: f(x) = baseMargin + sum of tree outputs, in log-odds. */
export interface XGBoostModel {
  numFeatures: number;
  /** base_score as a margin (log-odds), which is what every prediction starts from. */
  baseMargin: number;
  trees: Tree[];
  /** The feature names stored in the model, if it was trained with them. */
  featureNames?: string[];
  /** The XGBoost version that wrote the model. */
  version: string;
}

export const SUPPORTED_OBJECTIVE = 'binary:logistic';

type Json = Record<string, unknown>;

function field<T>(object: unknown, key: string, file: string, path: string): T {
  if (typeof object !== 'object' || object === null || !(key in object)) {
    throw new InputError(
      `'${path}${key}' is missing`,
      { file },
      'Give a model saved by XGBoost as JSON (save_model("model.json"))',
    );
  }
  return (object as Json)[key] as T;
}

/** Reads base_score, which XGBoost 3 writes as a one-element vector string such as "[2.4E-1]" and 2.x as "2.4E-1". */
function parseBaseScore(text: string, file: string): number {
  const value = Number(text.trim().replace(/^\[/, '').replace(/\]$/, ''));
  if (!(value > 0 && value < 1)) {
    throw new InputError(`base_score '${text}' is not a probability in (0, 1)`, { file, field: 'base_score' });
  }
  return value;
}

function parseTree(json: Json, weight: number, file: string, index: number): Tree {
  const path = `trees[${index}].`;
  const left = field<number[]>(json, 'left_children', file, path);
  const n = left.length;
  const arrays = {
    right: field<number[]>(json, 'right_children', file, path),
    feature: field<number[]>(json, 'split_indices', file, path),
    conditions: field<number[]>(json, 'split_conditions', file, path),
    defaultLeft: field<number[]>(json, 'default_left', file, path),
    cover: field<number[]>(json, 'sum_hessian', file, path),
  };
  for (const [name, array] of Object.entries(arrays)) {
    if (!Array.isArray(array) || array.length !== n) {
      throw new InputError(`'${path}${name}' has ${array?.length} entries for ${n} nodes`, { file });
    }
  }

  const tree: Tree = {
    left: Int32Array.from(left),
    right: Int32Array.from(arrays.right),
    feature: Int32Array.from(arrays.feature),
    threshold: Float32Array.from(arrays.conditions),
    defaultLeft: Uint8Array.from(arrays.defaultLeft),
    value: new Float64Array(n),
    cover: Float64Array.from(arrays.cover),
    categories: new Array<ReadonlySet<number> | undefined>(n).fill(undefined),
    weight,
  };
  for (let node = 0; node < n; node++) {
    if (tree.left[node] === -1) tree.value[node] = Math.fround(arrays.conditions[node]!);
  }

  const splitType = (json.split_type as number[] | undefined) ?? [];
  const catNodes = (json.categories_nodes as number[] | undefined) ?? [];
  const catSegments = (json.categories_segments as number[] | undefined) ?? [];
  const catSizes = (json.categories_sizes as number[] | undefined) ?? [];
  const categories = (json.categories as number[] | undefined) ?? [];
  catNodes.forEach((node, i) => {
    const start = catSegments[i]!;
    tree.categories[node] = new Set(categories.slice(start, start + catSizes[i]!));
  });
  splitType.forEach((type, node) => {
    if (type === 1 && tree.categories[node] === undefined) {
      throw new InputError(`'${path}split_type' marks node ${node} categorical but it has no categories`, { file });
    }
  });
  return tree;
}

/**
 * Parses a model saved by XGBoost as JSON (`Booster.save_model("model.json")`). Only binary:logistic models
 * with the gbtree or dart booster are accepted: review-cycle explains binary decisions in log-odds.
 * @param file named in errors
 */
export function parseXGBoostModel(text: string, file = 'model.json'): XGBoostModel {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    throw new InputError(
      'the model is not JSON',
      { file },
      'Give a model saved by XGBoost as JSON (save_model("model.json"))',
    );
  }
  const learner = field<Json>(json, 'learner', file, '');
  const objective = field<string>(
    field<Json>(learner, 'objective', file, 'learner.'),
    'name',
    file,
    'learner.objective.',
  );
  if (objective !== SUPPORTED_OBJECTIVE) {
    throw new InputError(
      `the model's objective is ${objective}`,
      { file, field: 'learner.objective.name' },
      `Train with objective=${SUPPORTED_OBJECTIVE}`,
    );
  }

  const params = field<Json>(learner, 'learner_model_param', file, 'learner.');
  const baseScore = parseBaseScore(field<string>(params, 'base_score', file, 'learner.learner_model_param.'), file);
  const numFeatures = Number(field<string>(params, 'num_feature', file, 'learner.learner_model_param.'));

  const booster = field<Json>(learner, 'gradient_booster', file, 'learner.');
  const boosterName = field<string>(booster, 'name', file, 'learner.gradient_booster.');
  let model: Json;
  let weights: number[] | undefined;
  if (boosterName === 'gbtree') {
    model = field<Json>(booster, 'model', file, 'learner.gradient_booster.');
  } else if (boosterName === 'dart') {
    model = field<Json>(field<Json>(booster, 'gbtree', file, 'learner.gradient_booster.'), 'model', file, 'gbtree.');
    weights = field<number[]>(booster, 'weight_drop', file, 'learner.gradient_booster.');
  } else {
    throw new InputError(
      `booster '${boosterName}' is not a tree booster`,
      { file, field: 'gradient_booster.name' },
      'Train with booster=gbtree or booster=dart',
    );
  }

  const trees = field<Json[]>(model, 'trees', file, 'model.').map((tree, index) =>
    parseTree(tree, weights?.[index] ?? 1, file, index),
  );
  const featureNames = learner.feature_names as string[] | undefined;
  const version = ((json.version as number[] | undefined) ?? []).join('.');
  return {
    numFeatures,
    baseMargin: Math.log(baseScore / (1 - baseScore)),
    trees,
    featureNames: featureNames && featureNames.length > 0 ? featureNames : undefined,
    version,
  };
}

/** The leaf that one row reaches in one tree. `x` is read as XGBoost reads it: as float32. */
export function leafOf(tree: Tree, x: ArrayLike<number>): number {
  let node = 0;
  while (tree.left[node] !== -1) node = nextNode(tree, node, x[tree.feature[node]!]!);
  return node;
}

/** The child of a split node that a feature value goes to. */
export function nextNode(tree: Tree, node: number, value: number): number {
  if (Number.isNaN(value)) return tree.defaultLeft[node] ? tree.left[node]! : tree.right[node]!;
  const categories = tree.categories[node];
  if (categories !== undefined) return categories.has(value) ? tree.right[node]! : tree.left[node]!;
  return Math.fround(value) < tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
}

/** f(x) in log-odds for one row. */
export function predictMargin(model: XGBoostModel, x: ArrayLike<number>): number {
  let margin = model.baseMargin;
  for (const tree of model.trees) margin += tree.weight * tree.value[leafOf(tree, x)]!;
  return margin;
}

export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/** Probabilities of the positive class for every row, as a batch transform returns them. */
export function predictProbabilities(model: XGBoostModel, features: Matrix): Float64Array {
  const out = predictMargins(model, features);
  for (let r = 0; r < out.length; r++) out[r] = sigmoid(out[r]!);
  return out;
}

/** f(x) in log-odds for every row. */
export function predictMargins(model: XGBoostModel, features: Matrix): Float64Array {
  checkWidth(model, features);
  const out = new Float64Array(features.rows);
  scoreMargins(model, features, out);
  return out;
}

function checkWidth(model: XGBoostModel, features: Matrix): void {
  if (features.cols !== model.numFeatures) {
    throw new InputError(
      `the input has ${features.cols} columns but the model takes ${model.numFeatures} features`,
      {},
      'Give the encoded features in schema order, with no label column',
    );
  }
}
