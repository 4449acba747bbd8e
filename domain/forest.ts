import type { Matrix } from './matrix.js';
import type { XGBoostModel } from './xgboost-model.js';

/**
 * Every tree of a model packed into one set of arrays, for scoring many rows fast. Node ids are global;
 * `roots[t]` is tree t's root. Categorical splits are rare, so they are looked up only where `categorical` is set.
 */
interface Forest {
  roots: Int32Array;
  weights: Float64Array;
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  categorical: Uint8Array;
  categories: (ReadonlySet<number> | undefined)[];
  value: Float64Array;
}

const forests = new WeakMap<XGBoostModel, Forest>();

function pack(model: XGBoostModel): Forest {
  const size = model.trees.reduce((sum, tree) => sum + tree.left.length, 0);
  const forest: Forest = {
    roots: new Int32Array(model.trees.length),
    weights: Float64Array.from(model.trees, (tree) => tree.weight),
    left: new Int32Array(size),
    right: new Int32Array(size),
    feature: new Int32Array(size),
    threshold: new Float32Array(size),
    defaultLeft: new Uint8Array(size),
    categorical: new Uint8Array(size),
    categories: new Array<ReadonlySet<number> | undefined>(size),
    value: new Float64Array(size),
  };
  let offset = 0;
  model.trees.forEach((tree, t) => {
    forest.roots[t] = offset;
    for (let node = 0; node < tree.left.length; node++) {
      const at = offset + node;
      const leaf = tree.left[node] === -1;
      forest.left[at] = leaf ? -1 : offset + tree.left[node]!;
      forest.right[at] = leaf ? -1 : offset + tree.right[node]!;
      forest.feature[at] = tree.feature[node]!;
      forest.threshold[at] = tree.threshold[node]!;
      forest.defaultLeft[at] = tree.defaultLeft[node]!;
      forest.categories[at] = tree.categories[node];
      forest.categorical[at] = tree.categories[node] === undefined ? 0 : 1;
      forest.value[at] = tree.value[node]! * tree.weight;
    }
    offset += tree.left.length;
  });
  return forest;
}

/**
 * f(x) in log-odds for every row of `features`, written to `out`. The same decisions as
 * {@link import('./xgboost-model.js').predictMargin}, arranged for speed: each row is read as float32 once.
 */
export function scoreMargins(model: XGBoostModel, features: Matrix, out: Float64Array): void {
  let forest = forests.get(model);
  if (!forest) forests.set(model, (forest = pack(model)));
  const { roots, left, right, feature, threshold, defaultLeft, categorical, categories, value } = forest;
  const cols = features.cols;
  const x = new Float32Array(cols);

  for (let r = 0; r < features.rows; r++) {
    x.set(features.data.subarray(r * cols, (r + 1) * cols));
    let margin = model.baseMargin;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      while (left[node] !== -1) {
        const v = x[feature[node]!]!;
        if (v !== v) node = defaultLeft[node] ? left[node]! : right[node]!;
        else if (categorical[node]) node = categories[node]!.has(v) ? right[node]! : left[node]!;
        else node = v < threshold[node]! ? left[node]! : right[node]!;
      }
      margin += value[node]!;
    }
    out[r] = margin;
  }
}
