import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mannWhitneyU, normalSf, smallestOneSidedP, type Alternative } from "../../src/stats/mann-whitney.js";

// Reference values from SciPy 1.17 `scipy.stats.mannwhitneyu(x, y, alternative=..., method=...)`.
const SCIPY: [number[], number[], Alternative, "exact" | "asymptotic", number, number][] = [
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "two-sided", "exact", 0.0, 0.007936507936507936],
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "two-sided", "asymptotic", 0.0, 0.012185780355344813],
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "greater", "exact", 0.0, 1.0],
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "greater", "asymptotic", 0.0, 0.9966923245172357],
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "less", "exact", 0.0, 0.003968253968253968],
  [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], "less", "asymptotic", 0.0, 0.006092890177672406],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "two-sided", "exact", 20.0, 0.11428571428571428],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "two-sided", "asymptotic", 20.0, 0.10981940881523722],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "greater", "exact", 20.0, 0.05714285714285714],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "greater", "asymptotic", 20.0, 0.05490970440761861],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "less", "exact", 20.0, 0.9666666666666667],
  [[3.1, 2.2, 5.5, 4.0, 1.7, 6.3], [2.0, 1.1, 0.5, 3.3], "less", "asymptotic", 20.0, 0.9650228207099949],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "two-sided", "exact", 61.0, 0.0010878010878010878],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "two-sided", "asymptotic", 61.0, 0.002761604417827473],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "greater", "exact", 61.0, 0.0005439005439005439],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "greater", "asymptotic", 61.0, 0.0013808022089137366],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "less", "exact", 61.0, 0.9996891996891997],
  [[10, 12, 11, 14, 13, 15, 16, 9], [8, 7, 9.5, 6, 10.5, 5, 7.5, 4], "less", "asymptotic", 61.0, 0.9990262362070267],
  [[1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6], "two-sided", "asymptotic", 8.5, 0.043051432728945134],
  [[1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6], "greater", "asymptotic", 8.5, 0.9843697313699247],
  [[1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6], "less", "asymptotic", 8.5, 0.021525716364472567],
  [[5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5], "two-sided", "asymptotic", 18.0, 1.0],
  [[5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5], "greater", "asymptotic", 18.0, 1.0],
  [[5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5], "less", "asymptotic", 18.0, 1.0],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "two-sided", "exact", 120.0, 0.030411256038764864],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "two-sided", "asymptotic", 120.0, 0.03151710207456157],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "greater", "exact", 120.0, 0.9858457847237652],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "greater", "asymptotic", 120.0, 0.9852795577939586],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "less", "exact", 120.0, 0.015205628019382432],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5], "less", "asymptotic", 120.0, 0.015758551037280785],
  [[101, 99, 105, 98, 110, 102, 97, 103, 100, 104, 106, 96], [100, 102, 99, 101, 98, 103, 97, 104, 105, 95, 96, 107], "two-sided", "asymptotic", 83.0, 0.543492631695685],
  [[101, 99, 105, 98, 110, 102, 97, 103, 100, 104, 106, 96], [100, 102, 99, 101, 98, 103, 97, 104, 105, 95, 96, 107], "greater", "asymptotic", 83.0, 0.2717463158478425],
  [[101, 99, 105, 98, 110, 102, 97, 103, 100, 104, 106, 96], [100, 102, 99, 101, 98, 103, 97, 104, 105, 95, 96, 107], "less", "asymptotic", 83.0, 0.7471029481567257],
];

describe("mannWhitneyU", () => {
  it.each(SCIPY)("matches SciPy for %j vs %j (%s, %s)", (x, y, alt, method, u, p) => {
    const r = mannWhitneyU(x, y, alt, method);
    expect(r.u).toBe(u);
    expect(r.p).toBeCloseTo(p, 10);
    expect(r.method).toBe(method);
  });

  it("uses the exact distribution for small samples without ties", () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6], "less").method).toBe("exact");
    expect(mannWhitneyU([1, 2, 3], [3, 5, 6], "less").method).toBe("asymptotic");
  });

  it("gives one-sided p-values that sum to one plus the point mass (exact)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 24 }),
        fc.integer({ min: 1, max: 12 }),
        (values, cut) => {
          const k = Math.min(cut, values.length - 1);
          const x = values.slice(0, k);
          const y = values.slice(k);
          const g = mannWhitneyU(x, y, "greater");
          const l = mannWhitneyU(x, y, "less");
          const two = mannWhitneyU(x, y, "two-sided");
          expect(g.p + l.p).toBeGreaterThanOrEqual(1 - 1e-12);
          expect(two.p).toBeCloseTo(Math.min(1, 2 * Math.min(g.p, l.p)), 12);
          // Swapping the samples swaps the one-sided alternatives.
          expect(mannWhitneyU(y, x, "less").p).toBeCloseTo(g.p, 12);
        },
      ),
    );
  });

  it("knows the smallest one-sided p-value a sample size allows", () => {
    expect(smallestOneSidedP(3, 3)).toBeCloseTo(1 / 20, 15);
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3], "greater").p).toBeCloseTo(smallestOneSidedP(3, 3), 15);
  });

  it("computes normal tail probabilities accurately", () => {
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(normalSf(5)).toBeCloseTo(2.866515718791933e-7, 20);
    expect(normalSf(-3)).toBeCloseTo(0.9986501019683699, 14);
  });

  it("rejects empty or non-finite samples", () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(RangeError);
  });
});
