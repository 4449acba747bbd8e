import { InputError } from './errors.js';
import type { Matrix } from './matrix.js';
import type { XGBoostModel } from './xgboost-model.js';

/**
 * All trees of a model in one set of typed arrays, node ids global across trees, so that the SHAP recursions
 * read plain numbers and allocate nothing per node. Leaf values already carry their tree's weight.
 */
export interface FlatForest {
  numFeatures: number;
  baseMargin: number;
  /** The root node of each tree. */
  roots: Int32Array;
  /** The deepest leaf of any tree, counted in splits. */
  maxDepth: number;
  /** -1 at a leaf. */
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  /** Index into `categorySets` for a categorical split, -1 otherwise. */
  categorySet: Int32Array;
  categorySets: ReadonlySet<number>[];
  /** Leaf value times the tree's weight; 0 at split nodes. */
  value: Float64Array;
  /** The share of its parent's cover that reaches each node (1 at a root). */
  coverFraction: Float64Array;
  /** The cover-weighted mean of the leaf values under each node, weight included. */
  meanValue: Float64Array;
}

const cache = new WeakMap<XGBoostModel, FlatForest>();

/** The model's flat form, built once per model object. */
export function flatForest(model: XGBoostModel): FlatForest {
  let forest = cache.get(model);
  if (forest === undefined) {
    forest = flatten(model);
    cache.set(model, forest);
  }
  return forest;
}

function flatten(model: XGBoostModel): FlatForest {
  const size = model.trees.reduce((sum, tree) => sum + tree.left.length, 0);
  const forest: FlatForest = {
    numFeatures: model.numFeatures,
    baseMargin: model.baseMargin,
    roots: new Int32Array(model.trees.length),
    maxDepth: 0,
    left: new Int32Array(size),
    right: new Int32Array(size),
    feature: new Int32Array(size),
    threshold: new Float32Array(size),
    defaultLeft: new Uint8Array(size),
    categorySet: new Int32Array(size).fill(-1),
    categorySets: [],
    value: new Float64Array(size),
    coverFraction: new Float64Array(size),
    meanValue: new Float64Array(size),
  };

  let offset = 0;
  model.trees.forEach((tree, t) => {
    forest.roots[t] = offset;
    const n = tree.left.length;
    for (let node = 0; node < n; node++) {
      const at = offset + node;
      const isLeaf = tree.left[node] === -1;
      forest.left[at] = isLeaf ? -1 : offset + tree.left[node]!;
      forest.right[at] = isLeaf ? -1 : offset + tree.right[node]!;
      forest.feature[at] = tree.feature[node]!;
      forest.threshold[at] = tree.threshold[node]!;
      forest.defaultLeft[at] = tree.defaultLeft[node]!;
      forest.value[at] = isLeaf ? tree.weight * tree.value[node]! : 0;
      const categories = tree.categories[node];
      if (categories !== undefined && !isLeaf) {
        forest.categorySet[at] = forest.categorySets.length;
        forest.categorySets.push(categories);
      }
    }
    // Fractions are taken of the children's summed cover (not the parent's stored one, which is rounded on its
    // own), so that they add up to 1 at every split and the explanation adds up to f(x) exactly.
    forest.coverFraction[offset] = 1;
    const depth = fillCovers(forest, tree.cover, offset, offset);
    forest.maxDepth = Math.max(forest.maxDepth, depth);
    offset += n;
  });
  return forest;
}

/** Fills coverFraction and meanValue under `node`; returns the subtree's depth. */
function fillCovers(forest: FlatForest, cover: Float64Array, offset: number, node: number): number {
  const left = forest.left[node]!;
  if (left === -1) {
    forest.meanValue[node] = forest.value[node]!;
    return 0;
  }
  const right = forest.right[node]!;
  const leftCover = cover[left - offset]!;
  const rightCover = cover[right - offset]!;
  const total = leftCover + rightCover;
  forest.coverFraction[left] = total > 0 ? leftCover / total : 0.5;
  forest.coverFraction[right] = total > 0 ? rightCover / total : 0.5;
  const depth = 1 + Math.max(fillCovers(forest, cover, offset, left), fillCovers(forest, cover, offset, right));
  forest.meanValue[node] =
    forest.coverFraction[left]! * forest.meanValue[left]! + forest.coverFraction[right]! * forest.meanValue[right]!;
  return depth;
}

/** The child of split `node` that a feature value goes to, decided as `nextNode` in xgboost-model.ts decides. */
export function childOf(forest: FlatForest, node: number, value: number): number {
  if (value !== value) return forest.defaultLeft[node] === 1 ? forest.left[node]! : forest.right[node]!;
  const set = forest.categorySet[node]!;
  if (set >= 0) return forest.categorySets[set]!.has(value) ? forest.right[node]! : forest.left[node]!;
  return Math.fround(value) < forest.threshold[node]! ? forest.left[node]! : forest.right[node]!;
}

/** The expected value of the forest under the training covers: base margin plus each tree's mean. */
export function coverExpectedValue(forest: FlatForest): number {
  let total = forest.baseMargin;
  for (let t = 0; t < forest.roots.length; t++) total += forest.meanValue[forest.roots[t]!]!;
  return total;
}

/** Throws unless the matrix has one column per model feature. */
export function checkFeatureWidth(forest: FlatForest, features: Matrix, name: string): void {
  if (features.cols !== forest.numFeatures) {
    throw new InputError(
      `the ${name} has ${features.cols} columns but the model takes ${forest.numFeatures} features`,
      { field: name },
      'Give the encoded features in schema order, with no label column',
    );
  }
}
