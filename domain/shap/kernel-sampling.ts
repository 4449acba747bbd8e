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
  count: number;
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

/**
 * Chooses coalitions as the `shap` library's KernelExplainer does. Subset sizes are taken from the smallest
 * (and, paired with them, the largest) while the budget covers every subset of that size, each with its Shapley
 * kernel weight; the rest of the budget is drawn at random, size by the kernel's remaining weight, each draw
 * with its complement, a repeated draw adding to the weight of the first.
 * @param varying M, the number of features that differ from the baseline (2 to {@link MAX_VARYING_FEATURES})
 * @param budget how many coalitions, at most 2^M - 2
 */
export function sampleCoalitions(varying: number, budget: number, random: Random): CoalitionSample {
  const m = varying;
  const sizes = Math.ceil((m - 1) / 2);
  const pairedSizes = Math.floor((m - 1) / 2);
  const full = (1 << m) - 1;
  const weightVector = new Float64Array(sizes);
  for (let s = 1; s <= sizes; s++) weightVector[s - 1] = ((m - 1) / (s * (m - s))) * (s <= pairedSizes ? 2 : 1);
  normalize(weightVector);

  const sample: CoalitionSample = { masks: new Int32Array(budget), weights: new Float64Array(budget), count: 0 };
  const add = (mask: number, weight: number) => {
    sample.masks[sample.count] = mask;
    sample.weights[sample.count] = weight;
    sample.count++;
  };

  let fullSizes = 0;
  let left = budget;
  const remaining = Float64Array.from(weightVector);
  for (let s = 1; s <= sizes; s++) {
    const paired = s <= pairedSizes;
    const subsets = binomial(m, s) * (paired ? 2 : 1);
    if ((left * remaining[s - 1]!) / subsets < 1 - 1e-8) break;
    fullSizes++;
    left -= subsets;
    if (remaining[s - 1]! < 1) divide(remaining, 1 - remaining[s - 1]!);
    const weight = weightVector[s - 1]! / binomial(m, s) / (paired ? 2 : 1);
    forEachCombination(m, s, (mask) => {
      add(mask, weight);
      if (paired) add(~mask & full, weight);
    });
  }
  if (fullSizes < sizes) drawRest(sample, { m, full, fullSizes, pairedSizes, weightVector, budget }, random);
  return sample;
}

interface DrawPlan {
  m: number;
  full: number;
  fullSizes: number;
  pairedSizes: number;
  weightVector: Float64Array;
  budget: number;
}

function drawRest(sample: CoalitionSample, plan: DrawPlan, random: Random): void {
  const { m, full, fullSizes, pairedSizes, weightVector, budget } = plan;
  const fixed = sample.count;
  let left = budget - fixed;

  // A paired size gives two coalitions per draw, so it is drawn half as often as its weight says.
  const sizeWeights = weightVector.slice(fullSizes);
  for (let i = 0; i < sizeWeights.length; i++) if (i + fullSizes < pairedSizes) sizeWeights[i]! /= 2;
  normalize(sizeWeights);
  const cumulative = new Float64Array(sizeWeights.length);
  let total = 0;
  sizeWeights.forEach((weight, i) => (cumulative[i] = total += weight));

  const order = Int32Array.from({ length: m }, (_, i) => i);
  const seen = new Map<number, number>();
  const draws = 4 * left;
  for (let draw = 0; left > 0 && draw < draws; draw++) {
    const size = pick(cumulative, random()) + fullSizes + 1;
    let mask = 0;
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (m - i));
      const chosen = order[j]!;
      order[j] = order[i]!;
      order[i] = chosen;
      mask |= 1 << chosen;
    }

    const at = seen.get(mask);
    if (at === undefined) {
      seen.set(mask, sample.count);
      sample.masks[sample.count] = mask;
      sample.weights[sample.count++] = 1;
      left--;
    } else {
      sample.weights[at]! += 1;
    }
    if (left > 0 && size <= pairedSizes) {
      if (at === undefined) {
        sample.masks[sample.count] = ~mask & full;
        sample.weights[sample.count++] = 1;
        left--;
      } else {
        sample.weights[at + 1]! += 1;
      }
    }
  }

  // The drawn coalitions share the kernel weight that the enumerated sizes left over.
  let weightLeft = 0;
  for (let i = fullSizes; i < weightVector.length; i++) weightLeft += weightVector[i]!;
  let drawn = 0;
  for (let i = fixed; i < sample.count; i++) drawn += sample.weights[i]!;
  for (let i = fixed; i < sample.count; i++) sample.weights[i]! *= weightLeft / drawn;
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
