// Log-linear latency histogram (HdrHistogram's layout): exact below 256 ns, then
// 128 linear sub-buckets per power of two, so every value is kept to within 0.8%.
// Fixed size and allocation-free, so recording costs a few instructions per request.

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // sub-buckets per octave
const LINEAR = 2 * SUB; // values below this are their own bucket
const MAX_EXP = 52; // up to 2^53 ns: anything a double holds exactly
const BUCKETS = LINEAR + (MAX_EXP - SUB_BITS) * SUB;

/** Index of the bucket holding `v` (ns, a non-negative integer). */
function indexOf(v: number): number {
  if (v < LINEAR) return v;
  // Below 2^32 (4.3 s), clz32 and a shift: no Math.pow, which `**` with a
  // variable exponent calls (2% of a cached read's CPU); beyond, log2.
  if (v < 0x1_0000_0000) {
    const e = 31 - Math.clz32(v);
    return LINEAR + (e - SUB_BITS - 1) * SUB + ((v >>> (e - SUB_BITS)) - SUB);
  }
  const e = Math.floor(Math.log2(v));
  const sub = Math.floor(v / 2 ** (e - SUB_BITS)) - SUB;
  return LINEAR + (e - SUB_BITS - 1) * SUB + sub;
}

/** The smallest value bucket `i` holds, and the first value of the next one. */
function bounds(i: number): [number, number] {
  if (i < LINEAR) return [i, i + 1];
  const e = Math.floor((i - LINEAR) / SUB) + SUB_BITS + 1;
  const sub = (i - LINEAR) % SUB;
  const width = 2 ** (e - SUB_BITS);
  const lo = (SUB + sub) * width;
  return [lo, lo + width];
}

/** The distribution as sparse `[bucketLowNs, bucketHighNs, count]` triples, for charts. */
export type HistogramBins = [number, number, number][];

/** A histogram of latencies in nanoseconds. */
export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;

  /** Records one latency in nanoseconds (fractions are rounded, negatives count as 0). */
  record(ns: number): void {
    const v = ns > 0 ? Math.round(ns) : 0;
    this.counts[indexOf(Math.min(v, 2 ** 53 - 1))]++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  /**
   * The value at percentile `p` (0..100) in nanoseconds: the middle of the bucket
   * holding that rank, capped by the largest value seen. NaN when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const [lo, hi] = bounds(i);
        return Math.min(hi - lo === 1 ? lo : (lo + hi - 1) / 2, this.max);
      }
    }
    return this.max;
  }

  /** Adds another histogram's counts (another job's), e.g. one sent from a worker thread. */
  add(other: Pick<LatencyHistogram, 'counts' | 'count' | 'max'>): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    if (other.max > this.max) this.max = other.max;
  }

  /** The non-empty buckets. */
  bins(): HistogramBins {
    const out: HistogramBins = [];
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] > 0) {
        const [lo, hi] = bounds(i);
        out.push([lo, hi, this.counts[i]]);
      }
    }
    return out;
  }
}
