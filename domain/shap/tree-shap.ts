import { createMatrix, type Matrix } from '../matrix.js';
import { predictMargins, type XGBoostModel } from '../xgboost-model.js';
import type { Explanation } from './explanation.js';
import { coverExpectedValue, flatForest, type FlatForest } from '../flat-forest.js';
import { buildLeafTables, DEFAULT_TABLE_BUDGET, type LeafTables } from './leaf-tables.js';
import { RecursiveTreeShap } from './path-recursion.js';

export interface TreeShapOptions {
  /**
   * The most numbers one tree's leaf tables may hold; a larger tree is explained by the recursion instead.
   * 0 explains every tree by the recursion.
   * @default 65536
   */
  tableBudget?: number;
}

const tableCache = new WeakMap<FlatForest, Map<number, LeafTables>>();

function leafTables(forest: FlatForest, budget: number): LeafTables {
  let byBudget = tableCache.get(forest);
  if (byBudget === undefined) tableCache.set(forest, (byBudget = new Map()));
  let tables = byBudget.get(budget);
  if (tables === undefined) byBudget.set(budget, (tables = buildLeafTables(forest, budget)));
  return tables;
}

/**
 * Path-dependent TreeSHAP in log-odds: the values XGBoost returns with `pred_contribs=True`. A feature outside a
 * coalition is integrated out along the training covers of the tree; a missing value follows its split's default
 * direction. `expectedValue` is XGBoost's bias column: the base margin plus each tree's cover-weighted mean.
 */
export function treeShap(model: XGBoostModel, features: Matrix, options: TreeShapOptions = {}): Explanation {
  const predictions = predictMargins(model, features);
  const forest = flatForest(model);
  const explainer = new RowExplainer(forest, leafTables(forest, options.tableBudget ?? DEFAULT_TABLE_BUDGET));
  const cols = features.cols;
  const values = createMatrix(features.rows, cols);
  for (let r = 0; r < features.rows; r++) {
    explainer.explain(features.data.subarray(r * cols, (r + 1) * cols), values.data.subarray(r * cols, (r + 1) * cols));
  }
  return { values, expectedValue: coverExpectedValue(forest), predictions, units: 'log-odds' };
}

/**
 * Explains one row tree by tree. In a tree with tables, one walk visits every node, carrying the bits of the
 * unique path features the row follows: the hot child (where the row goes) sets its feature's bit if the feature
 * is new on the path, the cold child clears it. Each leaf then adds its table row for that pattern.
 */
class RowExplainer {
  private readonly recursion: RecursiveTreeShap;
  private readonly x32: Float32Array;
  private x: Float64Array = new Float64Array(0);
  private phi: Float64Array = new Float64Array(0);

  constructor(
    private readonly forest: FlatForest,
    private readonly tables: LeafTables,
  ) {
    this.recursion = new RecursiveTreeShap(forest);
    this.x32 = new Float32Array(forest.numFeatures);
  }

  /** Adds the values of row `x` into `phi`. */
  explain(x: Float64Array, phi: Float64Array): void {
    this.x = x;
    this.phi = phi;
    this.x32.set(x);
    const { roots } = this.forest;
    for (let t = 0; t < roots.length; t++) {
      if (this.tables.tabled[t] === 1) this.visit(roots[t]!, 0);
      else this.recursion.explainTree(t, x, phi);
    }
  }

  private visit(node: number, pattern: number): void {
    const { left, right, feature, threshold, defaultLeft, categorySet, categorySets } = this.forest;
    const { featureBit, newBit } = this.tables;
    for (;;) {
      const leftChild = left[node]!;
      if (leftChild === -1) break;
      const split = feature[node]!;
      const value = this.x32[split]!;
      let hot: number;
      if (value !== value) hot = defaultLeft[node] === 1 ? leftChild : right[node]!;
      else if (categorySet[node]! >= 0)
        hot = categorySets[categorySet[node]!]!.has(this.x[split]!) ? right[node]! : leftChild;
      else hot = value < threshold[node]! ? leftChild : right[node]!;
      this.visit(hot === leftChild ? right[node]! : leftChild, pattern & ~featureBit[node]!);
      pattern |= newBit[node]!;
      node = hot;
    }
    const { leafDepth, featureStart, tableStart, features, table } = this.tables;
    const depth = leafDepth[node]!;
    const first = featureStart[node]!;
    const at = tableStart[node]! + pattern * depth;
    for (let k = 0; k < depth; k++) this.phi[features[first + k]!]! += table[at + k]!;
  }
}
