// Log-bucketed histogram of positive values (ms): fixed memory, mergeable across workers by
// adding counts, percentiles within ±2.5 % (bucket width 5 %).

const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const MIN = 0.001; // values below land in bucket 0
const BUCKETS = 512; // up to MIN × 1.05^511 ≈ 6.6e7

export class LogHistogram {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  sumSq = 0;
  max = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(BUCKETS);
    if (counts) this.counts.set(counts);
    for (let i = 0; i < BUCKETS; i++) this.count += this.counts[i];
  }

  add(v: number): void {
    if (!(v >= 0)) return;
    const i = v <= MIN ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(v / MIN) / LOG_GROWTH));
    this.counts[i]++;
    this.count++;
    this.sum += v;
    this.sumSq += v * v;
    if (v > this.max) this.max = v;
  }

  merge(other: LogHistogramData): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.sumSq += other.sumSq;
    this.max = Math.max(this.max, other.max);
  }

  /** Geometric middle of the bucket holding the p-th percentile. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i === 0 ? MIN : Math.min(this.max, MIN * GROWTH ** (i - 0.5));
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }

  stddev(): number {
    if (this.count < 2) return 0;
    const m = this.mean();
    return Math.sqrt(Math.max(0, this.sumSq / this.count - m * m));
  }

  /** Plain data for postMessage. */
  toData(): LogHistogramData {
    return { counts: Array.from(this.counts), count: this.count, sum: this.sum, sumSq: this.sumSq, max: this.max };
  }

  static fromData(d: LogHistogramData): LogHistogram {
    const h = new LogHistogram();
    h.merge(d);
    return h;
  }
}

export interface LogHistogramData {
  counts: ArrayLike<number>;
  count: number;
  sum: number;
  sumSq: number;
  max: number;
}
