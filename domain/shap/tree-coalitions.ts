import type { Matrix } from '../matrix.js';
import { nextNode, predictProbabilities, sigmoid, type Tree, type XGBoostModel } from '../xgboost-model.js';
import type { ShapUnits } from './explanation.js';
import { logit, type CoalitionGame, type Coalitions, type ProbabilityModel } from './probability-model.js';

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
  if (fastPath) {
    probabilityModel.coalitionGame = (x, baseline, varying, units) => treeGame(model, x, baseline, varying, units);
  }
  return probabilityModel;
}

/** The trees' dependence on one (x, b) pair, in flat arrays for the loop over coalitions. */
interface PairTables {
  constant: number;
  /** A coalition mask is read in `chunks` chunks of `width` bits (at most 8). */
  chunks: number;
  width: number;
  /**
   * Bin t's table index for a mask is the OR over its chunks c of gather[(t * chunks + c) * 2^width + chunk c]: a
   * lookup per chunk, where picking the bin's bits one by one would cost a step per bit.
   */
  gather: Int32Array;
  /** Summed leaf values of bin t from tables[tableOffsets[t]] to tables[tableOffsets[t + 1]]. */
  tables: Float64Array;
  tableOffsets: Int32Array;
  walked: Tree[];
  /** The baseline row, for the walked trees. */
  b: ArrayLike<number>;
}

function treeGame(
  model: XGBoostModel,
  x: ArrayLike<number>,
  baseline: Matrix,
  varying: Int32Array,
  units: ShapUnits,
): CoalitionGame {
  const bitOf = new Int32Array(model.numFeatures).fill(-1);
  varying.forEach((feature, bit) => (bitOf[feature] = bit));
  const pairs: PairTables[] = [];
  for (let r = 0; r < baseline.rows; r++) {
    const b = baseline.data.subarray(r * baseline.cols, (r + 1) * baseline.cols);
    pairs.push(pairTables(model, x, b, bitOf, varying.length));
  }

  return (coalitions, out) => {
    const { count } = coalitions;
    // Against a single baseline row the logit of the probability is the margin itself, with no rounding.
    if (pairs.length === 1 && units === 'log-odds') return pairMargins(pairs[0]!, x, bitOf, coalitions, out);
    const margins = new Float64Array(count);
    out.fill(0, 0, count);
    for (const pair of pairs) {
      pairMargins(pair, x, bitOf, coalitions, margins);
      for (let i = 0; i < count; i++) out[i]! += sigmoid(margins[i]!);
    }
    for (let i = 0; i < count; i++) {
      const mean = out[i]! / pairs.length;
      out[i] = units === 'log-odds' ? logit(mean) : mean;
    }
  };
}

/**
 * The margin of each coalition against one baseline row, from the pair's tables. A coalition followed by its
 * complement reads the complement's entries from the same gathered bits, flipped.
 */
function pairMargins(
  pair: PairTables,
  x: ArrayLike<number>,
  bitOf: Int32Array,
  { masks, pairedWithNext, count }: Coalitions,
  margins: Float64Array,
): void {
  const { constant, chunks, width, gather, tables, tableOffsets, walked, b } = pair;
  const bins = tableOffsets.length - 1;
  const chunkSize = 1 << width;
  const chunkMask = chunkSize - 1;
  for (let i = 0; i < count; i++) {
    const mask = masks[i]!;
    let margin = constant;
    let complement = constant;
    for (let t = 0, lut = 0; t < bins; t++) {
      let index = 0;
      for (let c = 0; c < chunks; c++, lut += chunkSize) index |= gather[lut + ((mask >>> (width * c)) & chunkMask)]!;
      const table = tableOffsets[t]!;
      margin += tables[table + index]!;
      complement += tables[table + (index ^ (tableOffsets[t + 1]! - table - 1))]!;
    }
    const paired = pairedWithNext[i] === 1;
    for (const tree of walked) {
      margin += tree.weight * tree.value[leafFor(tree, x, b, bitOf, mask)]!;
      if (paired) complement += tree.weight * tree.value[leafFor(tree, x, b, bitOf, masks[i + 1]!)]!;
    }
    margins[i] = margin;
    if (paired) margins[++i] = complement;
  }
}

/** @param varying how many features vary: the bits of a coalition mask */
function pairTables(
  model: XGBoostModel,
  x: ArrayLike<number>,
  b: ArrayLike<number>,
  bitOf: Int32Array,
  varying: number,
): PairTables {
  let constant = model.baseMargin;
  const groups = new Map<number, Float64Array>();
  const walked: Tree[] = [];
  const leaves = new ReachedLeaves();
  for (const tree of model.trees) {
    leaves.clear();
    reachLeaves(tree, 0, x, b, bitOf, 0, 0, leaves);
    let depends = 0;
    for (let l = 0; l < leaves.count; l++) depends |= leaves.fixed[l]!;
    if (depends === 0) {
      constant += tree.weight * leaves.value[0]!;
      continue;
    }
    const bits = popcount(depends);
    if (bits > MAX_TABLE_BITS) {
      walked.push(tree);
      continue;
    }
    let table = groups.get(depends);
    if (table === undefined) groups.set(depends, (table = new Float64Array(1 << bits)));
    // Each leaf fills the entries that agree with the bits its path fixed, whatever the others are.
    const full = (1 << bits) - 1;
    for (let l = 0; l < leaves.count; l++) {
      const fixed = compress(leaves.fixed[l]!, depends);
      const values = compress(leaves.values[l]!, depends);
      addWhereAgreeing(table, values, full & ~fixed, tree.weight * leaves.value[l]!);
    }
  }

  return { constant, walked, b, ...packBins(groups, varying) };
}

/** The leaves some coalition reaches, each with the mask bits its path fixed and their values (1: x's side). */
class ReachedLeaves {
  count = 0;
  fixed = new Int32Array(64);
  values = new Int32Array(64);
  value = new Float64Array(64);

  clear(): void {
    this.count = 0;
  }

  add(fixed: number, values: number, value: number): void {
    if (this.count === this.fixed.length) {
      this.fixed = grow(this.fixed, new Int32Array(2 * this.count));
      this.values = grow(this.values, new Int32Array(2 * this.count));
      this.value = grow(this.value, new Float64Array(2 * this.count));
    }
    this.fixed[this.count] = fixed;
    this.values[this.count] = values;
    this.value[this.count++] = value;
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Walks every path some coalition takes from `node`: where x and b go the same way there is one path, where they
 * part there are two, x's with the feature's bit set and b's with it clear, unless the path has fixed that bit.
 */
function reachLeaves(
  tree: Tree,
  node: number,
  x: ArrayLike<number>,
  b: ArrayLike<number>,
  bitOf: Int32Array,
  fixed: number,
  values: number,
  leaves: ReachedLeaves,
): void {
  for (;;) {
    if (tree.left[node] === -1) return leaves.add(fixed, values, tree.value[node]!);
    const feature = tree.feature[node]!;
    const toX = nextNode(tree, node, x[feature]!);
    const toB = nextNode(tree, node, b[feature]!);
    if (toX === toB) {
      node = toX;
      continue;
    }
    const bit = bitOf[feature]!;
    if (bit === -1) throw new Error(`feature ${feature} splits x from the baseline but is not varying`);
    const flag = 1 << bit;
    if (fixed & flag) {
      node = values & flag ? toX : toB;
      continue;
    }
    reachLeaves(tree, toX, x, b, bitOf, fixed | flag, values | flag, leaves);
    node = toB;
    fixed |= flag;
  }
}

/** Adds `value` to `table[at | sub]` for every `sub` of the bits of `free`: each entry whatever those bits are. */
function addWhereAgreeing(table: Float64Array, at: number, free: number, value: number): void {
  for (let sub = free; ; sub = (sub - 1) & free) {
    table[at + sub]! += value;
    if (sub === 0) break;
  }
}

/** The inverse of {@link compress}: the low bits of `packed` spread over the set positions of `depends`. */
function expand(packed: number, depends: number): number {
  let mask = 0;
  for (let bit = 0; depends !== 0; depends &= depends - 1, bit++) {
    if ((packed >>> bit) & 1) mask |= depends & -depends;
  }
  return mask;
}

/** The bits of `mask` at the set positions of `depends`, packed from bit 0 up. */
function compress(mask: number, depends: number): number {
  let packed = 0;
  for (let bit = 0; depends !== 0; depends &= depends - 1, bit++) {
    if (mask & depends & -depends) packed |= 1 << bit;
  }
  return packed;
}

/** The largest bin of groups, in bits: its table has 2^BIN_BITS entries, and each group added costs that many steps. */
const BIN_BITS = 8;

/**
 * Packs the groups' tables into a few bins, first fit by size, each bin holding groups whose features together
 * number at most {@link BIN_BITS} (or one larger group alone): a coalition then costs a lookup per bin, not per
 * group. A bin's table, indexed by its features' bits in ascending order, sums its groups' tables.
 */
function packBins(
  groups: Map<number, Float64Array>,
  varying: number,
): Pick<PairTables, 'chunks' | 'width' | 'gather' | 'tables' | 'tableOffsets'> {
  const width = Math.max(1, Math.min(8, varying));
  const chunks = Math.ceil(varying / width);
  const chunkSize = 1 << width;
  const bins: { depends: number; members: [number, Float64Array][] }[] = [];
  const bySize = [...groups.entries()].sort(([a], [b]) => popcount(b) - popcount(a));
  for (const [depends, table] of bySize) {
    let bin = 0;
    while (bin < bins.length && popcount(bins[bin]!.depends | depends) > BIN_BITS) bin++;
    if (bin === bins.length) bins.push({ depends: 0, members: [] });
    bins[bin]!.depends |= depends;
    bins[bin]!.members.push([depends, table]);
  }

  const tableOffsets = new Int32Array(bins.length + 1);
  for (let t = 0; t < bins.length; t++) tableOffsets[t + 1] = tableOffsets[t]! + (1 << popcount(bins[t]!.depends));
  const tables = new Float64Array(tableOffsets[bins.length]!);
  const gather = new Int32Array(bins.length * chunks * chunkSize);
  for (let t = 0; t < bins.length; t++) {
    const bin = bins[t]!;
    const binFull = (1 << popcount(bin.depends)) - 1;
    const offset = tableOffsets[t]!;
    // A group's entry goes to every entry of the bin that agrees with it on the group's bits.
    for (const [depends, table] of bin.members) {
      const own = compress(depends, bin.depends);
      for (let entry = 0; entry < table.length; entry++) {
        addWhereAgreeing(tables, offset + expand(entry, own), binFull & ~own, table[entry]!);
      }
    }
    let position = 0;
    for (let bit = 0; bit < 32; bit++) {
      if (!((bin.depends >>> bit) & 1)) continue;
      const lut = (t * chunks + Math.floor(bit / width)) * chunkSize;
      const within = bit % width;
      for (let value = 0; value < chunkSize; value++) if ((value >>> within) & 1) gather[lut + value]! |= 1 << position;
      position++;
    }
  }
  return { chunks, width, gather, tables, tableOffsets };
}

function popcount(mask: number): number {
  let count = 0;
  for (; mask !== 0; mask &= mask - 1) count++;
  return count;
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
