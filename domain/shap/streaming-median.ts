const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;

/** The passes over the data that {@link StreamingMedians} needs: one per 16 bits of a double. */
export const MEDIAN_PASSES = 4;

/** One order statistic being narrowed down: the 16-bit digits of its key found so far, and its rank among them. */
interface Target {
  column: number;
  rank: number;
  high: number;
  low: number;
  counts: Uint32Array;
}

/**
 * Exact medians of the columns of a table too large to hold, from {@link MEDIAN_PASSES} passes over it: a radix
 * selection on the bits of the doubles, 16 bits a pass, so memory stays the same whatever the row count. The
 * median of an even count is the mean of the two middle values, as numpy's is. Values must not be NaN.
 */
export class StreamingMedians {
  private readonly targets: Target[] = [];
  private pass = 0;
  private readonly view = new DataView(new ArrayBuffer(8));

  constructor(
    columns: number,
    private readonly count: number,
  ) {
    if (count < 1) throw new RangeError('a median needs at least one value');
    for (let column = 0; column < columns; column++) {
      for (const rank of [(count - 1) >> 1, count >> 1]) {
        this.targets.push({ column, rank, high: 0, low: 0, counts: new Uint32Array(BUCKETS) });
      }
    }
  }

  /** Counts one value of the current pass. Every pass must see every value once, in any order. */
  add(column: number, value: number): void {
    const { high, low } = this.key(value);
    for (let t = column * 2; t < column * 2 + 2; t++) {
      const target = this.targets[t]!;
      if (this.matches(target, high, low)) target.counts[this.digit(high, low)]!++;
    }
  }

  /** Ends a pass: each order statistic learns 16 more bits of its value. */
  endPass(): void {
    for (const target of this.targets) {
      let below = 0;
      let digit = 0;
      while (below + target.counts[digit]! <= target.rank) below += target.counts[digit++]!;
      if (digit >= BUCKETS) throw new Error(`pass ${this.pass + 1} saw fewer than ${this.count} values`);
      target.rank -= below;
      if (this.pass < 2) target.high = ((target.high << DIGIT_BITS) | digit) >>> 0;
      else target.low = ((target.low << DIGIT_BITS) | digit) >>> 0;
      target.counts.fill(0);
    }
    this.pass++;
  }

  /** The median of each column, once all passes are done. */
  medians(): Float64Array {
    if (this.pass !== MEDIAN_PASSES) throw new Error(`medians need ${MEDIAN_PASSES} passes, not ${this.pass}`);
    const medians = new Float64Array(this.targets.length / 2);
    for (let column = 0; column < medians.length; column++) {
      const lower = this.value(this.targets[column * 2]!);
      const upper = this.value(this.targets[column * 2 + 1]!);
      // An odd count has one middle value, taken as it is: its double may overflow.
      medians[column] = this.count % 2 === 1 ? lower : (lower + upper) / 2;
    }
    return medians;
  }

  /** The double's bits, reordered so that unsigned comparison of (high, low) orders the doubles. */
  private key(value: number): { high: number; low: number } {
    this.view.setFloat64(0, value);
    const high = this.view.getUint32(0);
    const low = this.view.getUint32(4);
    if (high >>> 31) return { high: ~high >>> 0, low: ~low >>> 0 };
    return { high: (high | 0x80000000) >>> 0, low };
  }

  private value(target: Target): number {
    let { high, low } = target;
    if (high >>> 31) high = (high & 0x7fffffff) >>> 0;
    else [high, low] = [~high >>> 0, ~low >>> 0];
    this.view.setUint32(0, high);
    this.view.setUint32(4, low);
    return this.view.getFloat64(0);
  }

  private matches(target: Target, high: number, low: number): boolean {
    switch (this.pass) {
      case 0:
        return true;
      case 1:
        return high >>> DIGIT_BITS === target.high;
      case 2:
        return high === target.high;
      default:
        return high === target.high && low >>> DIGIT_BITS === target.low;
    }
  }

  private digit(high: number, low: number): number {
    switch (this.pass) {
      case 0:
        return high >>> DIGIT_BITS;
      case 1:
        return high & (BUCKETS - 1);
      case 2:
        return low >>> DIGIT_BITS;
      default:
        return low & (BUCKETS - 1);
    }
  }
}
