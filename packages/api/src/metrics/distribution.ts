/**
 * A latency distribution aggregated in-process, so a flush interval's thousands of requests become
 * one EMF value `{ Values, Counts, Max, Min, Count, Sum }` instead of one log event (or one array
 * entry) per request. CloudWatch computes percentiles from it: each value stands for `count` samples.
 *
 * Buckets are logarithmic, four per power of two (each ≈19 % wide, so a percentile is off by at most
 * ≈9 % of its value), from 0.125 ms up to ~35 minutes: 96 buckets, under the 100 values one EMF
 * metric may carry. Recording is a Math.log2, a clamp and an increment in a preallocated array:
 * no allocation on the request path.
 */

const BUCKETS_PER_OCTAVE = 4;
const SMALLEST_MS = 0.125;
export const BUCKET_COUNT = 96;

/** The value a bucket stands for: the geometric middle of its bounds. */
function bucketValue(index: number): number {
  return SMALLEST_MS * 2 ** ((index + 0.5) / BUCKETS_PER_OCTAVE);
}

/** What EMF carries for an aggregated metric (see src/metrics/emf.ts for the format's sources). */
export interface DistributionValue {
  readonly Values: number[];
  readonly Counts: number[];
  readonly Max: number;
  readonly Min: number;
  readonly Count: number;
  readonly Sum: number;
}

export class Distribution {
  readonly #counts = new Uint32Array(BUCKET_COUNT);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  get count(): number {
    return this.#count;
  }

  record(value: number): void {
    if (!(value >= 0)) return; // NaN or negative: not a duration
    const raw = Math.floor(Math.log2(value / SMALLEST_MS) * BUCKETS_PER_OCTAVE);
    const index = raw < 0 ? 0 : raw >= BUCKET_COUNT ? BUCKET_COUNT - 1 : raw;
    this.#counts[index]! += 1;
    this.#count += 1;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /** The interval's distribution, or undefined when nothing was recorded; starts a new interval. */
  takeSnapshot(): DistributionValue | undefined {
    if (this.#count === 0) return undefined;
    const values: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const n = this.#counts[i]!;
      if (n === 0) continue;
      // Kept within the exact extremes, so a lone sample is reported as itself, not its bucket's middle.
      values.push(round(Math.min(this.#max, Math.max(this.#min, bucketValue(i)))));
      counts.push(n);
    }
    const snapshot = {
      Values: values,
      Counts: counts,
      Max: round(this.#max),
      Min: round(this.#min),
      Count: this.#count,
      Sum: round(this.#sum),
    };
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
    return snapshot;
  }
}

/** Microsecond precision is plenty for milliseconds and keeps the documents short. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
