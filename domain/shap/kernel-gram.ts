/**
 * Kernel SHAP's normal equations need the weighted Gram matrix of the 0/1 coalition vectors, sum w z z^T, and their
 * weighted products with the gains, sum w g z. A coalition z and its complement 1 - z with the same weight add
 * w (2 z z^T - z 1^T - 1 z^T + 1 1^T) together, so a pair costs only the set bits of its smaller member, which the
 * sampler always puts first. Only the upper triangle (row <= column) is kept.
 */
export interface Gram {
  /** sum w z_a z_b over unpaired coalitions. */
  single: Float64Array;
  /** sum w z_a z_b over the first member of each pair. */
  pairs: Float64Array;
  /** sum w z_a over the first member of each pair. */
  pairBits: Float64Array;
  /** sum w over the pairs. */
  pairWeight: number;
}

/** The coalitions Gram sums run over: masks and weights, and which coalitions are followed by their complement. */
export interface WeightedCoalitions {
  masks: Int32Array;
  weights: Float64Array;
  pairedWithNext: Uint8Array;
}

export function emptyGram(m: number): Gram {
  return {
    single: new Float64Array(m * m),
    pairs: new Float64Array(m * m),
    pairBits: new Float64Array(m),
    pairWeight: 0,
  };
}

export function copyGram(gram: Gram): Gram {
  return {
    single: Float64Array.from(gram.single),
    pairs: Float64Array.from(gram.pairs),
    pairBits: Float64Array.from(gram.pairBits),
    pairWeight: gram.pairWeight,
  };
}

/** Adds coalitions `from` to `to` (exclusive) to the sums; a pair is added whole from its first member. */
export function addToGram(gram: Gram, coalitions: WeightedCoalitions, from: number, to: number, m: number): void {
  const { masks, weights, pairedWithNext } = coalitions;
  const bits = new Int32Array(m);
  for (let i = from; i < to; i++) {
    const weight = weights[i]!;
    const paired = pairedWithNext[i] === 1;
    const set = setBits(masks[i]!, bits);
    const target = paired ? gram.pairs : gram.single;
    for (let a = 0; a < set; a++) {
      const row = bits[a]! * m;
      for (let b = a; b < set; b++) target[row + bits[b]!]! += weight;
    }
    if (paired) {
      for (let a = 0; a < set; a++) gram.pairBits[bits[a]!]! += weight;
      gram.pairWeight += weight;
      i++;
    }
  }
}

/** The full Gram matrix, upper triangle, from its single and paired sums. */
export function gramMatrix(gram: Gram, m: number): Float64Array {
  const { single, pairs, pairBits, pairWeight } = gram;
  const matrix = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const at = a * m + b;
      matrix[at] = single[at]! + 2 * pairs[at]! - pairBits[a]! - pairBits[b]! + pairWeight;
    }
  }
  return matrix;
}

/** sum w g z over all `count` coalitions: for a pair, w (g1 - g2) z + w g2 1, from its first member's bits. */
export function gainMoments(
  coalitions: WeightedCoalitions,
  gains: Float64Array,
  count: number,
  m: number,
): Float64Array {
  const { masks, weights, pairedWithNext } = coalitions;
  const moments = new Float64Array(m);
  let everyFeature = 0;
  for (let i = 0; i < count; i++) {
    const weight = weights[i]!;
    let mask = masks[i]!;
    let gain = gains[i]!;
    if (pairedWithNext[i] === 1) {
      const complementGain = gains[++i]!;
      everyFeature += weight * complementGain;
      gain -= complementGain;
    }
    const weighted = weight * gain;
    while (mask !== 0) {
      moments[31 - Math.clz32(mask & -mask)]! += weighted;
      mask &= mask - 1;
    }
  }
  for (let j = 0; j < m; j++) moments[j]! += everyFeature;
  return moments;
}

/** Writes the positions of the set bits of `mask` into `bits`, lowest first; returns how many. */
function setBits(mask: number, bits: Int32Array): number {
  let set = 0;
  while (mask !== 0) {
    bits[set++] = 31 - Math.clz32(mask & -mask);
    mask &= mask - 1;
  }
  return set;
}
