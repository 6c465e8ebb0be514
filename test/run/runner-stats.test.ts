import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mean, median, percentile, stddev, summarize } from "../../src/stats/summary.js";

describe("sample statistics", () => {
  it("computes known values", () => {
    const s = [5, 1, 4, 2, 3];
    expect(summarize(s)).toEqual({ min: 1, max: 5, mean: 3, median: 3, p75: 4, p99: 4.96, stddev: Math.sqrt(2.5) });
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([10, 20], 25)).toBe(12.5);
    expect(stddev([7])).toBe(0);
    expect(summarize([7])).toEqual({ min: 7, max: 7, mean: 7, median: 7, p75: 7, p99: 7, stddev: 0 });
  });

  it("rejects empty input and percentiles out of range", () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => mean([])).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("orders min <= median <= p75 <= p99 <= max, mean within [min, max], and ignores input order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.p75);
        expect(s.p75).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
        expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
        expect(s.stddev).toBeGreaterThanOrEqual(0);
        expect(summarize([...xs].reverse())).toEqual(s);
      }),
    );
  });
});
