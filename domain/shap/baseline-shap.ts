import { InputError } from '../errors.js';
import { createMatrix, type Matrix } from '../matrix.js';
import { predictMargins, type XGBoostModel } from '../xgboost-model.js';
import type { Explanation } from './explanation.js';
import { checkFeatureWidth, childOf, flatForest, type FlatForest } from '../flat-forest.js';

/**
 * Exact baseline (interventional) Shapley values in log-odds: for each row x and baseline row b, the Shapley values
 * of the game v(S) = f(x on the features in S, b elsewhere), averaged over the baseline rows. This is what Kernel
 * SHAP converges to with the same baseline in margin units. `expectedValue` is the mean of f(b) over the baseline.
 *
 * No coalition is enumerated. In one tree, a mixed row reaches a leaf exactly when the features whose splits x
 * and b take differently on the way there come from x for one set A and from b for another set B; the leaf then
 * gives each feature of A the share (|A|-1)!|B|!/(|A|+|B|)! of its value and takes |A|!(|B|-1)!/(|A|+|B|)! from
 * each feature of B. A walk down both sides of every disagreeing split reaches every such leaf once.
 */
export function baselineShap(model: XGBoostModel, features: Matrix, baseline: Matrix): Explanation {
  const predictions = predictMargins(model, features);
  const forest = flatForest(model);
  checkFeatureWidth(forest, baseline, 'baseline');
  if (baseline.rows === 0) {
    throw new InputError('the baseline has no rows', { field: 'baseline' }, 'Give at least one baseline row');
  }
  const baselineMargins = predictMargins(model, baseline);
  const expectedValue = baselineMargins.reduce((sum, margin) => sum + margin, 0) / baseline.rows;

  const cols = features.cols;
  const baselineGoesLeft = Array.from({ length: baseline.rows }, (_, r) =>
    goesLeft(forest, baseline.data.subarray(r * cols, (r + 1) * cols), new Uint8Array(forest.left.length)),
  );
  const pairs = new PairExplainer(forest);
  const rowGoesLeft = new Uint8Array(forest.left.length);
  const values = createMatrix(features.rows, cols);
  for (let r = 0; r < features.rows; r++) {
    goesLeft(forest, features.data.subarray(r * cols, (r + 1) * cols), rowGoesLeft);
    const phi = values.data.subarray(r * cols, (r + 1) * cols);
    for (const other of baselineGoesLeft) pairs.explainPair(rowGoesLeft, other, phi);
    for (let c = 0; c < cols; c++) phi[c]! /= baseline.rows;
  }
  return { values, expectedValue, predictions, units: 'log-odds' };
}

/** Marks, for every split node of the forest, whether the row goes left there. */
function goesLeft(forest: FlatForest, x: Float64Array, out: Uint8Array): Uint8Array {
  for (let node = 0; node < forest.left.length; node++) {
    const leftChild = forest.left[node]!;
    out[node] = leftChild !== -1 && childOf(forest, node, x[forest.feature[node]!]!) === leftChild ? 1 : 0;
  }
  return out;
}

const NEITHER = 0;
const FROM_X = 1;
const FROM_B = 2;

/** Adds the Shapley values of (x, b) pairs, summed over the trees, into `phi`. */
class PairExplainer {
  /** gain[a * (D + 1) + c] and loss[...] are the shares of a leaf reached with |A| = a and |B| = c. */
  private readonly gain: Float64Array;
  private readonly loss: Float64Array;
  private readonly side: Uint8Array;
  private readonly fromX: Int32Array;
  private readonly fromB: Int32Array;
  private xLeft: Uint8Array = new Uint8Array(0);
  private bLeft: Uint8Array = new Uint8Array(0);
  private phi: Float64Array = new Float64Array(0);

  constructor(private readonly forest: FlatForest) {
    const depth = forest.maxDepth;
    this.gain = new Float64Array((depth + 1) * (depth + 1));
    this.loss = new Float64Array((depth + 1) * (depth + 1));
    for (let a = 0; a <= depth; a++) {
      for (let c = 0; c <= depth; c++) {
        if (a > 0) this.gain[a * (depth + 1) + c] = 1 / (a * binomial(a + c, a));
        if (c > 0) this.loss[a * (depth + 1) + c] = 1 / (c * binomial(a + c, c));
      }
    }
    this.side = new Uint8Array(forest.numFeatures);
    this.fromX = new Int32Array(depth);
    this.fromB = new Int32Array(depth);
  }

  /** `xLeft` and `bLeft` mark the split nodes where x and b go left (see {@link goesLeft}). */
  explainPair(xLeft: Uint8Array, bLeft: Uint8Array, phi: Float64Array): void {
    this.xLeft = xLeft;
    this.bLeft = bLeft;
    this.phi = phi;
    const { roots } = this.forest;
    for (let t = 0; t < roots.length; t++) this.walk(roots[t]!, 0, 0);
  }

  private walk(node: number, a: number, c: number): void {
    const { left, right, feature, value, maxDepth } = this.forest;
    const { side, fromX, fromB } = this;
    for (;;) {
      const leftChild = left[node]!;
      if (leftChild === -1) break;
      const split = feature[node]!;
      const taken = side[split]!;
      const xChild = this.xLeft[node] === 1 ? leftChild : right[node]!;
      const bChild = this.bLeft[node] === 1 ? leftChild : right[node]!;
      if (taken === FROM_X || xChild === bChild) node = xChild;
      else if (taken === FROM_B) node = bChild;
      else {
        side[split] = FROM_X;
        fromX[a] = split;
        this.walk(xChild, a + 1, c);
        side[split] = FROM_B;
        fromB[c] = split;
        this.walk(bChild, a, c + 1);
        side[split] = NEITHER;
        return;
      }
    }
    if (a + c === 0) return;
    const leaf = value[node]!;
    const share = a * (maxDepth + 1) + c;
    const gain = leaf * this.gain[share]!;
    const loss = leaf * this.loss[share]!;
    for (let i = 0; i < a; i++) this.phi[fromX[i]!]! += gain;
    for (let i = 0; i < c; i++) this.phi[fromB[i]!]! -= loss;
  }
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}
