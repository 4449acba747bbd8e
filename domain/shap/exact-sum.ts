/**
 * A sum of doubles kept exactly, as non-overlapping partials (Shewchuk's algorithm, as in Python's math.fsum).
 * Its value is the exact sum rounded once, so it does not depend on the order the terms came in: sums of the
 * chunks of a batch, merged, give the bit-identical result that one pass over the batch gives.
 */
export class ExactSum {
  private partials: number[];

  constructor(partials: readonly number[] = []) {
    this.partials = [...partials];
  }

  add(value: number): void {
    let x = value;
    let kept = 0;
    for (const partial of this.partials) {
      let y = partial;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const high = x + y;
      const low = y - (high - x);
      if (low !== 0) this.partials[kept++] = low;
      x = high;
    }
    this.partials.length = kept;
    this.partials.push(x);
  }

  /** Adds another exact sum, such as a chunk's. */
  merge(other: ExactSum): void {
    for (const partial of other.partials) this.add(partial);
  }

  /** The partials, for storing a chunk's sum as JSON; {@link ExactSum} takes them back. */
  toJSON(): number[] {
    return [...this.partials];
  }

  /** The exact sum, correctly rounded to the nearest double (ties to even). */
  value(): number {
    const partials = this.partials;
    let n = partials.length;
    if (n === 0) return 0;
    let high = partials[--n]!;
    let low = 0;
    while (n > 0) {
      const x = high;
      const y = partials[--n]!;
      high = x + y;
      low = y - (high - x);
      if (low !== 0) break;
    }
    // Round half to even when the next partial tips a tie the way `high` did not round.
    if (n > 0 && ((low < 0 && partials[n - 1]! < 0) || (low > 0 && partials[n - 1]! > 0))) {
      const y = low * 2;
      const x = high + y;
      if (y === x - high) high = x;
    }
    return high;
  }
}
