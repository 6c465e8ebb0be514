/**
 * Summary statistics over timed samples. Pure functions, so they are exact and testable in isolation.
 */

import type { SampleStats } from "../types.js";

/** The sorted copy of `samples`, ascending. */
function sorted(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

/**
 * The `p`-th percentile (0 <= p <= 100) of `samples`, interpolating linearly between the two nearest
 * ranks (NumPy's default "linear" method). Throws on an empty sample list.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError("percentile of no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const s = sorted(samples);
  return percentileOfSorted(s, p);
}

/** The `p`-th percentile (0 <= p <= 100) of samples already sorted ascending. */
export function percentileOfSorted(s: readonly number[], p: number): number {
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = s[lo]!;
  const b = s[hi]!;
  return a + (b - a) * (rank - lo);
}

/** The median of `samples` (the mean of the two middle values for an even count). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** The arithmetic mean of `samples`. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("mean of no samples");
  let sum = 0;
  for (const v of samples) sum += v;
  return sum / samples.length;
}

/** The sample standard deviation (n - 1 in the denominator); 0 for a single sample. */
export function stddev(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("standard deviation of no samples");
  if (samples.length === 1) return 0;
  const m = mean(samples);
  let ss = 0;
  for (const v of samples) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (samples.length - 1));
}

/** `min`, `max`, `mean`, `median`, `p75`, `p99` and `stddev` of `samples`. */
export function summarize(samples: readonly number[]): SampleStats {
  if (samples.length === 0) throw new RangeError("statistics of no samples");
  const s = sorted(samples);
  return {
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: mean(s),
    median: percentileOfSorted(s, 50),
    p75: percentileOfSorted(s, 75),
    p99: percentileOfSorted(s, 99),
    stddev: stddev(s),
  };
}

/** The five numbers a box plot draws: minimum, quartiles, median and maximum. */
export interface FiveNumbers {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/** Minimum, first quartile, median, third quartile and maximum of `samples`. Throws on no samples. */
export function fiveNumbers(samples: readonly number[]): FiveNumbers {
  if (samples.length === 0) throw new RangeError("quartiles of no samples");
  const s = sorted(samples);
  return { min: s[0]!, q1: percentileOfSorted(s, 25), median: percentileOfSorted(s, 50), q3: percentileOfSorted(s, 75), max: s[s.length - 1]! };
}
