import type { FlatForest } from '../flat-forest.js';
import { createShapPath, extendPath, unwoundPathSum } from './shap-path.js';

/**
 * Path-dependent TreeSHAP worked out ahead of time for every leaf. What a leaf adds to each feature depends on the
 * row only through which of the leaf's unique path features the row follows (its one-fractions are 0 or 1), so for
 * a leaf with d unique features the 2^d possible answers are computed once, with Lundberg et al.'s path
 * arithmetic, and a row then reads one of them. Trees whose tables would exceed the budget are left out.
 */
export interface LeafTables {
  /** Per tree: 1 when its leaves have tables. */
  tabled: Uint8Array;
  /** Per split node: the bit of its feature in the unique path of every leaf below it. */
  featureBit: Int32Array;
  /** Per split node: `featureBit` when the feature is new on the path (the hot child sets it), else 0. */
  newBit: Int32Array;
  /** Per leaf: the number of unique features on its path. */
  leafDepth: Int32Array;
  /** Per leaf: where its unique features start in `features`. */
  featureStart: Int32Array;
  /** Per leaf: where its table starts in `table`; pattern p's values for the d features are at start + p * d. */
  tableStart: Int32Array;
  features: Int32Array;
  table: Float64Array;
}

/** The largest table a tree may have, in numbers: 64 KiB entries hold any tree of depth 6. */
export const DEFAULT_TABLE_BUDGET = 1 << 16;

export function buildLeafTables(forest: FlatForest, budget = DEFAULT_TABLE_BUDGET): LeafTables {
  const { left, right, feature: splitFeature, roots } = forest;
  const tabled = new Uint8Array(roots.length);
  let featureCount = 0;
  let tableCount = 0;
  for (let t = 0; t < roots.length; t++) {
    const size = tableSize(forest, roots[t]!, []);
    // Past 2^26 entries a leaf could have more unique features than a pattern's bits can hold.
    if (size.entries > Math.min(budget, 2 ** 26)) continue;
    tabled[t] = 1;
    tableCount += size.entries;
    featureCount += size.features;
  }

  const tables: LeafTables = {
    tabled,
    featureBit: new Int32Array(left.length),
    newBit: new Int32Array(left.length),
    leafDepth: new Int32Array(left.length),
    featureStart: new Int32Array(left.length),
    tableStart: new Int32Array(left.length),
    features: new Int32Array(featureCount),
    table: new Float64Array(tableCount),
  };
  const pathFeatures = new Int32Array(forest.maxDepth + 1);
  const pathZeros = new Float64Array(forest.maxDepth + 1);
  const path = createShapPath(forest.maxDepth + 2);
  let nextFeature = 0;
  let nextTable = 0;

  function fillLeaf(node: number, depth: number): void {
    tables.leafDepth[node] = depth;
    tables.featureStart[node] = nextFeature;
    tables.tableStart[node] = nextTable;
    tables.features.set(pathFeatures.subarray(0, depth), nextFeature);
    nextFeature += depth;
    const leaf = forest.value[node]!;
    for (let pattern = 0; pattern < 1 << depth; pattern++) {
      extendPath(path, 0, 0, 1, 1, -1);
      for (let k = 0; k < depth; k++) extendPath(path, 0, k + 1, pathZeros[k]!, (pattern >> k) & 1, pathFeatures[k]!);
      for (let k = 0; k < depth; k++) {
        const share = unwoundPathSum(path, 0, depth, k + 1) * (path.one[k + 1]! - path.zero[k + 1]!);
        tables.table[nextTable++] = share * leaf;
      }
    }
  }

  function walk(node: number, depth: number): void {
    if (left[node] === -1) {
      fillLeaf(node, depth);
      return;
    }
    const feature = splitFeature[node]!;
    let k = 0;
    while (k < depth && pathFeatures[k] !== feature) k++;
    const isNew = k === depth;
    tables.featureBit[node] = 1 << k;
    tables.newBit[node] = isNew ? 1 << k : 0;
    const incoming = isNew ? 1 : pathZeros[k]!;
    pathFeatures[k] = feature;
    for (const child of [left[node]!, right[node]!]) {
      pathZeros[k] = incoming * forest.coverFraction[child]!;
      walk(child, isNew ? depth + 1 : depth);
    }
    pathZeros[k] = incoming;
  }

  for (let t = 0; t < roots.length; t++) if (tabled[t]) walk(roots[t]!, 0);
  return tables;
}

/** The sizes of the tables and feature lists of the leaves under `node`, given the features on the path to it. */
function tableSize(forest: FlatForest, node: number, path: number[]): { entries: number; features: number } {
  if (forest.left[node] === -1) return { entries: path.length * 2 ** path.length, features: path.length };
  const feature = forest.feature[node]!;
  const below = path.includes(feature) ? path : [...path, feature];
  const left = tableSize(forest, forest.left[node]!, below);
  const right = tableSize(forest, forest.right[node]!, below);
  return { entries: left.entries + right.entries, features: left.features + right.features };
}
