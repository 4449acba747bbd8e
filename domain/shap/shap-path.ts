/**
 * The unique path of Lundberg et al.'s TreeSHAP: the distinct features met from the root to a node, each with the
 * share of training cover that follows the path (`zero`) and whether the explained row follows it (`one`), and in
 * `weight` the summed permutation weights of each coalition size. Recursions keep one path per level in segments
 * of the same buffers, starting at `at`; `depth` is the index of the path's last element.
 */
export interface ShapPath {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
}

export function createShapPath(size: number): ShapPath {
  if (reciprocals.length <= size) reciprocals = Float64Array.from({ length: 2 * size + 2 }, (_, k) => 1 / k);
  return {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };
}

/** 1/k by k, so that the loops below multiply where a division would hold up every step. */
let reciprocals = new Float64Array(0);

/** Appends element `depth`, splitting every coalition size's weight by whether the new feature joins it. */
export function extendPath(path: ShapPath, at: number, depth: number, zero: number, one: number, feature: number) {
  const weight = path.weight;
  const scale = reciprocals[depth + 1]!;
  path.feature[at + depth] = feature;
  path.zero[at + depth] = zero;
  path.one[at + depth] = one;
  weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    weight[at + i + 1]! += one * weight[at + i]! * (i + 1) * scale;
    weight[at + i] = zero * weight[at + i]! * (depth - i) * scale;
  }
}

/**
 * Removes element `index`, undoing its extension; the path then ends at `depth - 1`. One-fractions are 0 or 1 in
 * path-dependent TreeSHAP, which is all this and {@link unwoundPathSum} handle.
 */
export function unwindPath(path: ShapPath, at: number, depth: number, index: number): void {
  const { feature, zero: zeros, one: ones, weight } = path;
  const one = ones[at + index]!;
  const zero = zeros[at + index]!;
  const scale = reciprocals[depth + 1]!;
  let next = weight[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const kept = weight[at + i]!;
      weight[at + i] = next * (depth + 1) * reciprocals[i + 1]!;
      next = kept - weight[at + i]! * zero * (depth - i) * scale;
    } else {
      weight[at + i] = (weight[at + i]! * (depth + 1) * reciprocals[depth - i]!) / zero;
    }
  }
  for (let i = index; i < depth; i++) {
    feature[at + i] = feature[at + i + 1]!;
    zeros[at + i] = zeros[at + i + 1]!;
    ones[at + i] = ones[at + i + 1]!;
  }
}

/** The total weight the path would have without element `index`, leaving the path as it is. */
export function unwoundPathSum(path: ShapPath, at: number, depth: number, index: number): number {
  const weight = path.weight;
  const one = path.one[at + index]!;
  const zero = path.zero[at + index]!;
  let total = 0;
  if (one !== 0) {
    const scale = zero * reciprocals[depth + 1]!;
    let next = weight[at + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      const share = next * (depth + 1) * reciprocals[i + 1]!;
      total += share;
      next = weight[at + i]! - share * (depth - i) * scale;
    }
  } else if (zero !== 0) {
    for (let i = depth - 1; i >= 0; i--) total += weight[at + i]! * reciprocals[depth - i]!;
    total = (total * (depth + 1)) / zero;
  }
  return total;
}
