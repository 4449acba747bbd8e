/** A stream of uniform numbers in [0, 1). */
export type Random = () => number;

/** One round of the splitmix32 finaliser: spreads every input bit over the whole word. */
function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The random stream of one row of a batch: sfc32 seeded from the configured seed and the row's index in the
 * whole batch. A row draws the same coalitions however the batch is split into chunks, and on any worker.
 */
export function rowRandom(seed: number, row: number): Random {
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x100000000) >>> 0;
  let a = mix(seedLow ^ mix(row));
  let b = mix(seedHigh ^ mix(a));
  let c = mix(row ^ mix(b));
  let counter = 1;
  // The first outputs of a freshly seeded sfc32 are still close to its seed words; skip them.
  for (let i = 0; i < 12; i++) next();

  function next(): number {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  }
  return () => next() / 0x100000000;
}
