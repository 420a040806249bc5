import { percentile, percentiles, perSecond, ratePerSecond, Span } from './stats';

describe('bench statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(percentiles([5, 1, 3, 2, 4])).toEqual({ count: 5, p50: 3, p95: 5, p99: 5, max: 5 });
  });

  it('counts rates over the span of the events, and events per second', () => {
    expect(ratePerSecond(101, 0, 10_000)).toBeCloseTo(10.1);
    expect(ratePerSecond(1, 0, 10)).toBeNaN();
    expect(perSecond([1_000, 1_500, 2_999, 4_000], 1_000)).toEqual([2, 1, 0, 1]);
    const span = new Span();
    for (const t of [3_000, 1_000, 2_000]) span.add(t);
    expect([span.first, span.last, span.count, span.rate]).toEqual([1_000, 3_000, 3, 1.5]);
  });
});
