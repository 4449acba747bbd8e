import { addToGram, emptyGram, type Gram } from './kernel-gram.js';
import type { Random } from './rng.js';

/** The most features a coalition mask can hold: masks are 32-bit integers, one bit per varying feature. */
export const MAX_VARYING_FEATURES = 30;

/**
 * The coalitions Kernel SHAP evaluates for one row, with their kernel weights. Bit j of a mask set means the
 * j-th varying feature takes the explained row's value; clear means it takes the baseline's.
 */
export interface CoalitionSample {
  masks: Int32Array;
  weights: Float64Array;
  /** 1 at i when coalition i + 1 is the complement of coalition i and has the same weight. */
  pairedWithNext: Uint8Array;
  count: number;
  /** The first `enumerated.count` coalitions: the same for every row with this M and budget. */
  enumerated: EnumeratedCoalitions;
}

/**
 * The subset sizes that a budget covers completely, enumerated once per M and budget and shared by every row,
 * with their part of the least squares' Gram matrix, which depends on the coalitions and weights alone.
 */
interface EnumeratedCoalitions {
  count: number;
  masks: Int32Array;
  weights: Float64Array;
  pairedWithNext: Uint8Array;
  gram: Gram;
  /** How many subset sizes, from the smallest, are enumerated. */
  sizes: number;
}

/** The number of coalitions that are neither empty nor full, 2^M - 2: enough to enumerate them all. */
export function allCoalitions(varying: number): number {
  return 2 ** varying - 2;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** The Shapley kernel's total weight of each subset size s = 1 .. ceil((M-1)/2), a size and its complement as one. */
function kernelWeights(m: number): Float64Array {
  const sizes = Math.ceil((m - 1) / 2);
  const pairedSizes = Math.floor((m - 1) / 2);
  const weights = new Float64Array(sizes);
  for (let s = 1; s <= sizes; s++) weights[s - 1] = ((m - 1) / (s * (m - s))) * (s <= pairedSizes ? 2 : 1);
  normalize(weights);
  return weights;
}

/**
 * Chooses coalitions as the `shap` library's KernelExplainer does. Subset sizes are taken from the smallest
 * (and, paired with them, the largest) while the budget covers every subset of that size, each with its Shapley
 * kernel weight; the rest of the budget is drawn at random, size by the kernel's remaining weight, each draw
 * with its complement, a repeated draw adding to the weight of the first.
 * @param varying M, the number of features that differ from the baseline (2 to {@link MAX_VARYING_FEATURES})
 * @param budget how many coalitions, at most 2^M - 2
 */
export function sampleCoalitions(varying: number, budget: number, random: Random): CoalitionSample {
  const enumerated = enumeratedCoalitions(varying, budget);
  const sample: CoalitionSample = {
    masks: new Int32Array(budget),
    weights: new Float64Array(budget),
    pairedWithNext: new Uint8Array(budget),
    count: enumerated.count,
    enumerated,
  };
  sample.masks.set(enumerated.masks);
  sample.weights.set(enumerated.weights);
  sample.pairedWithNext.set(enumerated.pairedWithNext);
  if (enumerated.sizes < Math.ceil((varying - 1) / 2)) drawRest(sample, varying, budget, random);
  return sample;
}

const enumeratedByShape = new Map<string, EnumeratedCoalitions>();

/** The enumerated part of every sample of M features and this budget, computed on first use. */
function enumeratedCoalitions(m: number, budget: number): EnumeratedCoalitions {
  const key = `${m}:${budget}`;
  let enumerated = enumeratedByShape.get(key);
  if (enumerated === undefined) enumeratedByShape.set(key, (enumerated = enumerate(m, budget)));
  return enumerated;
}

function enumerate(m: number, budget: number): EnumeratedCoalitions {
  const sizes = Math.ceil((m - 1) / 2);
  const pairedSizes = Math.floor((m - 1) / 2);
  const full = (1 << m) - 1;
  const weightVector = kernelWeights(m);
  const masks: number[] = [];
  const weights: number[] = [];
  const paired: number[] = [];

  let fullSizes = 0;
  let left = budget;
  const remaining = Float64Array.from(weightVector);
  for (let s = 1; s <= sizes; s++) {
    const isPaired = s <= pairedSizes;
    const subsets = binomial(m, s) * (isPaired ? 2 : 1);
    if ((left * remaining[s - 1]!) / subsets < 1 - 1e-8) break;
    fullSizes++;
    left -= subsets;
    if (remaining[s - 1]! < 1) divide(remaining, 1 - remaining[s - 1]!);
    const weight = weightVector[s - 1]! / binomial(m, s) / (isPaired ? 2 : 1);
    forEachCombination(m, s, (mask) => {
      masks.push(mask);
      weights.push(weight);
      paired.push(isPaired ? 1 : 0);
      if (isPaired) {
        masks.push(~mask & full);
        weights.push(weight);
        paired.push(0);
      }
    });
  }

  const enumerated: EnumeratedCoalitions = {
    count: masks.length,
    masks: Int32Array.from(masks),
    weights: Float64Array.from(weights),
    pairedWithNext: Uint8Array.from(paired),
    gram: emptyGram(m),
    sizes: fullSizes,
  };
  addToGram(enumerated.gram, enumerated, 0, enumerated.count, m);
  return enumerated;
}

function drawRest(sample: CoalitionSample, m: number, budget: number, random: Random): void {
  const fullSizes = sample.enumerated.sizes;
  const pairedSizes = Math.floor((m - 1) / 2);
  const full = (1 << m) - 1;
  const weightVector = kernelWeights(m);
  const fixed = sample.count;
  let left = budget - fixed;

  // A paired size gives two coalitions per draw, so it is drawn half as often as its weight says.
  const sizeWeights = weightVector.slice(fullSizes);
  for (let i = 0; i < sizeWeights.length; i++) if (i + fullSizes < pairedSizes) sizeWeights[i]! /= 2;
  normalize(sizeWeights);
  const cumulative = new Float64Array(sizeWeights.length);
  let total = 0;
  sizeWeights.forEach((weight, i) => (cumulative[i] = total += weight));

  const { masks, weights, pairedWithNext } = sample;
  const draw = subsetDrawer(m);
  const seen = seenMasks(m);
  const draws = 4 * left;
  for (let drawn = 0; left > 0 && drawn < draws; drawn++) {
    const size = pick(cumulative, random()) + fullSizes + 1;
    const mask = draw(size, random);

    const at = seen.find(mask);
    const withComplement = size <= pairedSizes;
    if (at === -1) {
      seen.add(mask, sample.count);
      masks[sample.count] = mask;
      weights[sample.count++] = 1;
      left--;
      if (left > 0 && withComplement) {
        pairedWithNext[sample.count - 1] = 1;
        masks[sample.count] = ~mask & full;
        weights[sample.count++] = 1;
        left--;
      }
    } else {
      weights[at]! += 1;
      if (withComplement) weights[at + 1]! += 1;
    }
  }

  // The drawn coalitions share the kernel weight that the enumerated sizes left over.
  let weightLeft = 0;
  for (let i = fullSizes; i < weightVector.length; i++) weightLeft += weightVector[i]!;
  let drawn = 0;
  for (let i = fixed; i < sample.count; i++) drawn += weights[i]!;
  for (let i = fixed; i < sample.count; i++) weights[i]! *= weightLeft / drawn;
}

/** Draws a subset of `size` of the M features, each subset of that size equally likely. */
type SubsetDrawer = (size: number, random: Random) => number;

/** Up to this M, every mask of every size is listed once, and a draw picks one from the list. */
const LISTED_BITS = 20;
const subsetDrawers = new Map<number, SubsetDrawer>();

function subsetDrawer(m: number): SubsetDrawer {
  let drawer = subsetDrawers.get(m);
  if (drawer === undefined) subsetDrawers.set(m, (drawer = m <= LISTED_BITS ? listedSubsets(m) : shuffledSubsets(m)));
  return drawer;
}

/** One uniform number per draw: an index into the masks of that size, listed in order on first use. */
function listedSubsets(m: number): SubsetDrawer {
  const bySize: Int32Array[] = [];
  return (size, random) => {
    let masks = bySize[size];
    if (masks === undefined) {
      const list: number[] = [];
      forEachCombination(m, size, (mask) => list.push(mask));
      bySize[size] = masks = Int32Array.from(list);
    }
    return masks[Math.floor(random() * masks.length)]!;
  };
}

/** The first `size` features of a partial Fisher-Yates shuffle, for M too large to list its masks. */
function shuffledSubsets(m: number): SubsetDrawer {
  const order = Int32Array.from({ length: m }, (_, i) => i);
  return (size, random) => {
    let mask = 0;
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (m - i));
      const chosen = order[j]!;
      order[j] = order[i]!;
      order[i] = chosen;
      mask |= 1 << chosen;
    }
    return mask;
  };
}

/** Where each drawn mask of one row went: a typed table over all 2^M masks when that is small, else a map. */
interface SeenMasks {
  find(mask: number): number;
  add(mask: number, at: number): void;
}

const TABLE_BITS = 20;
const seenTables = new Map<number, { generation: Int32Array; at: Int32Array; current: number }>();

function seenMasks(m: number): SeenMasks {
  if (m > TABLE_BITS) {
    const map = new Map<number, number>();
    return { find: (mask) => map.get(mask) ?? -1, add: (mask, at) => void map.set(mask, at) };
  }
  let table = seenTables.get(m);
  if (table === undefined) {
    table = { generation: new Int32Array(1 << m), at: new Int32Array(1 << m), current: 0 };
    seenTables.set(m, table);
  }
  // A new generation forgets every earlier row's masks without clearing the table.
  const generation = ++table.current;
  const { generation: stamps, at } = table;
  return {
    find: (mask) => (stamps[mask] === generation ? at[mask]! : -1),
    add: (mask, index) => {
      stamps[mask] = generation;
      at[mask] = index;
    },
  };
}

function pick(cumulative: Float64Array, u: number): number {
  const target = u * cumulative[cumulative.length - 1]!;
  for (let i = 0; i < cumulative.length - 1; i++) if (target < cumulative[i]!) return i;
  return cumulative.length - 1;
}

/** Calls `visit` with every mask of `k` bits out of `n`, in lexicographic order of the bit positions. */
function forEachCombination(n: number, k: number, visit: (mask: number) => void): void {
  const positions = Int32Array.from({ length: k }, (_, i) => i);
  for (;;) {
    let mask = 0;
    for (let i = 0; i < k; i++) mask |= 1 << positions[i]!;
    visit(mask);
    let i = k - 1;
    while (i >= 0 && positions[i] === n - k + i) i--;
    if (i < 0) return;
    positions[i]!++;
    for (let j = i + 1; j < k; j++) positions[j] = positions[j - 1]! + 1;
  }
}

function normalize(values: Float64Array): void {
  let total = 0;
  for (const value of values) total += value;
  divide(values, total);
}

function divide(values: Float64Array, divisor: number): void {
  for (let i = 0; i < values.length; i++) values[i]! /= divisor;
}
