import type { Matrix } from '../matrix.js';
import { nextNode, predictProbabilities, sigmoid, type Tree, type XGBoostModel } from '../xgboost-model.js';
import type { CoalitionGame, ProbabilityModel } from './probability-model.js';

/** A tree whose outcome depends on more varying features than this is walked per coalition, not tabulated. */
const MAX_TABLE_BITS = 10;

/**
 * An XGBoost model as Kernel SHAP sees it: `predict` gives probabilities, and an exact fast path evaluates
 * coalitions of one row from the trees.
 *
 * For a row x and a baseline row b, a split node sends x and b either the same way, and then no coalition
 * changes the path there, or different ways, and then the path follows x exactly when the node's feature is in
 * the coalition. So each tree's leaf depends only on the few features at the nodes where x and b part ways.
 * Trees that depend on the same features share one table of summed leaf values, indexed by those features'
 * bits of the coalition mask; a tree that depends on none is a constant.
 * @param fastPath false to evaluate coalitions through `predict` only, as any other model would be
 */
export function xgboostProbabilityModel(model: XGBoostModel, fastPath = true): ProbabilityModel {
  const probabilityModel: ProbabilityModel = {
    numFeatures: model.numFeatures,
    predict: (rows) => predictProbabilities(model, rows),
  };
  if (fastPath) probabilityModel.coalitionGame = (x, baseline, varying) => treeGame(model, x, baseline, varying);
  return probabilityModel;
}

/** The trees' dependence on one (x, b) pair, in flat arrays for the loop over coalitions. */
interface PairTables {
  constant: number;
  /** Bit positions of group g: positions[offsets[g]] to positions[offsets[g + 1]]. */
  positions: Int32Array;
  offsets: Int32Array;
  /** Summed leaf values of group g from tables[tableOffsets[g]], indexed by its bits in `positions` order. */
  tables: Float64Array;
  tableOffsets: Int32Array;
  walked: Tree[];
}

function treeGame(model: XGBoostModel, x: ArrayLike<number>, baseline: Matrix, varying: Int32Array): CoalitionGame {
  const bitOf = new Int32Array(model.numFeatures).fill(-1);
  varying.forEach((feature, bit) => (bitOf[feature] = bit));
  const pairs: PairTables[] = [];
  const rows: Float64Array[] = [];
  for (let r = 0; r < baseline.rows; r++) {
    const b = baseline.data.subarray(r * baseline.cols, (r + 1) * baseline.cols);
    rows.push(b);
    pairs.push(pairTables(model, x, b, bitOf));
  }

  return (masks, count, out) => {
    for (let i = 0; i < count; i++) {
      const mask = masks[i]!;
      let sum = 0;
      for (let r = 0; r < pairs.length; r++) {
        const pair = pairs[r]!;
        let margin = pair.constant;
        const { positions, offsets, tables, tableOffsets } = pair;
        for (let g = 0; g < tableOffsets.length; g++) {
          let index = 0;
          for (let p = offsets[g]!, bit = 0; p < offsets[g + 1]!; p++, bit++) {
            index |= ((mask >>> positions[p]!) & 1) << bit;
          }
          margin += tables[tableOffsets[g]! + index]!;
        }
        for (const tree of pair.walked) margin += tree.weight * tree.value[leafFor(tree, x, rows[r]!, bitOf, mask)]!;
        sum += sigmoid(margin);
      }
      out[i] = sum / pairs.length;
    }
  };
}

function pairTables(model: XGBoostModel, x: ArrayLike<number>, b: ArrayLike<number>, bitOf: Int32Array): PairTables {
  let constant = model.baseMargin;
  const groups = new Map<number, Float64Array>();
  const walked: Tree[] = [];
  for (const tree of model.trees) {
    const depends = dependence(tree, x, b, bitOf);
    if (depends === 0) {
      constant += tree.weight * tree.value[leafFor(tree, x, b, bitOf, 0)]!;
      continue;
    }
    const bits = bitPositions(depends);
    if (bits.length > MAX_TABLE_BITS) {
      walked.push(tree);
      continue;
    }
    let table = groups.get(depends);
    if (table === undefined) groups.set(depends, (table = new Float64Array(1 << bits.length)));
    for (let index = 0; index < table.length; index++) {
      let mask = 0;
      for (let bit = 0; bit < bits.length; bit++) if ((index >>> bit) & 1) mask |= 1 << bits[bit]!;
      table[index]! += tree.weight * tree.value[leafFor(tree, x, b, bitOf, mask)]!;
    }
  }

  const entries = [...groups.entries()];
  const offsets = new Int32Array(entries.length + 1);
  const tableOffsets = new Int32Array(entries.length);
  const positions: number[] = [];
  let tableSize = 0;
  entries.forEach(([depends, table], g) => {
    positions.push(...bitPositions(depends));
    offsets[g + 1] = positions.length;
    tableOffsets[g] = tableSize;
    tableSize += table.length;
  });
  const tables = new Float64Array(tableSize);
  entries.forEach(([, table], g) => tables.set(table, tableOffsets[g]));
  return { constant, positions: Int32Array.from(positions), offsets, tables, tableOffsets, walked };
}

/** The mask bits of the features at the split nodes, reachable by some coalition, where x and b part ways. */
function dependence(tree: Tree, x: ArrayLike<number>, b: ArrayLike<number>, bitOf: Int32Array): number {
  let depends = 0;
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (tree.left[node] === -1) continue;
    const feature = tree.feature[node]!;
    const toX = nextNode(tree, node, x[feature]!);
    const toB = nextNode(tree, node, b[feature]!);
    if (toX === toB) {
      stack.push(toX);
    } else {
      if (bitOf[feature] === -1) throw new Error(`feature ${feature} splits x from the baseline but is not varying`);
      depends |= 1 << bitOf[feature]!;
      stack.push(toX, toB);
    }
  }
  return depends;
}

/** The leaf reached when the features whose bits are set in `mask` take x's values and the others b's. */
function leafFor(tree: Tree, x: ArrayLike<number>, b: ArrayLike<number>, bitOf: Int32Array, mask: number): number {
  let node = 0;
  while (tree.left[node] !== -1) {
    const feature = tree.feature[node]!;
    const bit = bitOf[feature]!;
    const fromX = bit >= 0 && ((mask >>> bit) & 1) === 1;
    node = nextNode(tree, node, fromX ? x[feature]! : b[feature]!);
  }
  return node;
}

function bitPositions(mask: number): number[] {
  const bits: number[] = [];
  for (let bit = 0; mask >>> bit !== 0; bit++) if ((mask >>> bit) & 1) bits.push(bit);
  return bits;
}
