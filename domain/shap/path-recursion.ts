import { childOf, type FlatForest } from '../flat-forest.js';
import { createShapPath, extendPath, unwindPath, unwoundPathSum, type ShapPath } from './shap-path.js';

/**
 * Lundberg et al.'s polynomial-time recursion, as XGBoost runs it for `pred_contribs`: it walks every node once,
 * carrying the unique path down, and at each leaf adds every path feature's share of the leaf value. Both children
 * are visited; the one the row goes to (the "hot" one, default direction included for a missing value) keeps the
 * row's one-fraction, the other gets zero. A feature split on again is unwound from the path and re-extended with
 * both splits' fractions combined.
 */
export class RecursiveTreeShap {
  private readonly path: ShapPath;
  private x: Float64Array = new Float64Array(0);
  private phi: Float64Array = new Float64Array(0);

  constructor(private readonly forest: FlatForest) {
    const levels = forest.maxDepth + 2;
    this.path = createShapPath(((levels + 1) * (levels + 2)) / 2);
  }

  /** Adds tree `tree`'s values for row `x` into `phi`. */
  explainTree(tree: number, x: Float64Array, phi: Float64Array): void {
    this.x = x;
    this.phi = phi;
    this.recurse(this.forest.roots[tree]!, 0, 0, 1, 1, -1);
  }

  private recurse(node: number, depth: number, parentAt: number, zero: number, one: number, parentFeature: number) {
    const { forest, path } = this;
    const { feature: pathFeature, zero: zeros, one: ones, weight: weights } = path;
    const at = parentAt + depth + 1;
    for (let i = 0; i < depth; i++) {
      pathFeature[at + i] = pathFeature[parentAt + i]!;
      zeros[at + i] = zeros[parentAt + i]!;
      ones[at + i] = ones[parentAt + i]!;
      weights[at + i] = weights[parentAt + i]!;
    }
    extendPath(path, at, depth, zero, one, parentFeature);

    const leftChild = forest.left[node]!;
    if (leftChild === -1) {
      const leaf = forest.value[node]!;
      for (let i = 1; i <= depth; i++) {
        const share = unwoundPathSum(path, at, depth, i) * (ones[at + i]! - zeros[at + i]!);
        this.phi[pathFeature[at + i]!]! += share * leaf;
      }
      return;
    }

    const feature = forest.feature[node]!;
    const hot = childOf(forest, node, this.x[feature]!);
    const cold = hot === leftChild ? forest.right[node]! : leftChild;
    let incomingZero = 1;
    let incomingOne = 1;
    let seen = 0;
    while (seen <= depth && pathFeature[at + seen] !== feature) seen++;
    if (seen <= depth) {
      incomingZero = zeros[at + seen]!;
      incomingOne = ones[at + seen]!;
      unwindPath(path, at, depth, seen);
      depth -= 1;
    }
    this.recurse(hot, depth + 1, at, forest.coverFraction[hot]! * incomingZero, incomingOne, feature);
    this.recurse(cold, depth + 1, at, forest.coverFraction[cold]! * incomingZero, 0, feature);
  }
}
