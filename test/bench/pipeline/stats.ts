/** Small statistics for the bench: percentiles, rates, per-second series. Pure. */

/** The p-th percentile (0–100) of sorted values, nearest rank; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** p50, p95, p99 and the maximum of a set of values, in the values' unit. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.length === 0 ? Number.NaN : (list[list.length - 1] ?? Number.NaN),
  };
}

/** Events per second over the span from the first to the last timestamp (ms); NaN for fewer than two. */
export function ratePerSecond(count: number, firstMs: number, lastMs: number): number {
  if (count < 2 || !(lastMs > firstMs)) return Number.NaN;
  return count / ((lastMs - firstMs) / 1000);
}

/** Counts of timestamps (ms) per whole second from `startMs`: the shape of a run over time. */
export function perSecond(timestamps: Iterable<number>, startMs: number): number[] {
  const counts: number[] = [];
  for (const t of timestamps) {
    const i = Math.max(0, Math.floor((t - startMs) / 1000));
    while (counts.length <= i) counts.push(0);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** The running minimum and maximum of a stream of timestamps, and how many there were. */
export class Span {
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  count = 0;

  add(t: number): void {
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
    this.count++;
  }

  /** Events per second from first to last. */
  get rate(): number {
    return ratePerSecond(this.count, this.first, this.last);
  }
}
