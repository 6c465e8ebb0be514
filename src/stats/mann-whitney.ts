/**
 * The Mann-Whitney U test (Wilcoxon rank-sum test): do two samples come from the same distribution,
 * or does one tend to give larger values? It makes no assumption about the shape of the distribution,
 * which suits benchmark timings: skewed, with outliers from other processes.
 *
 * `U` for `x` counts the pairs `(xi, yj)` with `xi > yj`, ties counting one half. The p-value is exact
 * (from the distribution of U over all rankings) when there are no ties and the samples are small,
 * and otherwise from the normal approximation with tie correction and continuity correction, as
 * SciPy's `mannwhitneyu` computes it.
 */

/** Which difference the test looks for: any, `x` larger than `y`, or `x` smaller than `y`. */
export type Alternative = "two-sided" | "greater" | "less";

/** How the p-value is computed; `auto` is exact without ties when `n1 * n2 <= 2500`. */
export type MannWhitneyMethod = "auto" | "exact" | "asymptotic";

/** The outcome of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** The probability of a U at least this extreme if both samples came from one distribution. */
  p: number;
  /** How `p` was computed. */
  method: "exact" | "asymptotic";
}

/** Ranks of all values (1-based, ties get their mean rank) and the tie-correction term Σ(t³ − t). */
function rank(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const mean = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]![1]] = mean;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm };
}

/**
 * Probabilities P(U = k), k = 0..n1*n2, for samples of sizes n1 and n2 without ties.
 * Built by adding one observation at a time: the new observation is either the largest of all so far
 * (and adds one to U for every one of the other sample), or it is not.
 */
function exactDistribution(n1: number, n2: number): Float64Array {
  // counts[j][k]: number of arrangements of i x-values and j y-values with U = k, for the current i.
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const row = new Float64Array(1);
    row[0] = 1;
    prev.push(row);
  }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(i * j + 1);
      // Largest observation is an x: it beats all j y-values.
      const a = prev[j]!;
      for (let k = 0; k < a.length; k++) row[k + j] = (row[k + j] ?? 0) + a[k]!;
      // Largest observation is a y: U does not change.
      if (j > 0) {
        const b = cur[j - 1]!;
        for (let k = 0; k < b.length; k++) row[k] = (row[k] ?? 0) + b[k]!;
      }
      cur.push(row);
    }
    prev = cur;
  }
  const counts = prev[n2]!;
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => c / total);
}

/** erfc(x) for x >= 0: power series of erf below 2.5, Lentz's continued fraction above. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Tests whether `x` and `y` differ in location. With `alternative: "greater"`, a small p says values
 * of `x` tend to be larger than those of `y` (for timings: `x` is slower).
 * Both samples need at least one finite value; throws `RangeError` otherwise.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = "two-sided",
  method: MannWhitneyMethod = "auto",
): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError("mannWhitneyU needs at least one value in each sample");
  if (![...x, ...y].every(Number.isFinite)) throw new RangeError("mannWhitneyU needs finite values");
  const { ranks, tieTerm } = rank([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const useExact = method === "exact" || (method === "auto" && tieTerm === 0 && n1 * n2 <= 2500);
  const clip = (p: number) => Math.min(1, Math.max(0, p));
  if (useExact) {
    if (tieTerm !== 0) throw new RangeError("the exact Mann-Whitney distribution does not allow ties");
    const pmf = exactDistribution(n1, n2);
    // P(U >= k); the distribution is symmetric, so P(U <= k) = P(U >= n1*n2 - k).
    const sfFrom = (k: number): number => {
      let s = 0;
      for (let i = Math.max(0, Math.ceil(k)); i < pmf.length; i++) s += pmf[i]!;
      return s;
    };
    let p: number;
    if (alternative === "greater") p = sfFrom(u1);
    else if (alternative === "less") p = sfFrom(u2);
    else p = 2 * sfFrom(Math.max(u1, u2));
    return { u: u1, p: clip(p), method: "exact" };
  }
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u: u1, p: 1, method: "asymptotic" };
  const sigma = Math.sqrt(variance);
  let p: number;
  if (alternative === "greater") p = normalSf((u1 - mu - 0.5) / sigma);
  else if (alternative === "less") p = normalSf((u2 - mu - 0.5) / sigma);
  else p = 2 * normalSf((Math.max(u1, u2) - mu - 0.5) / sigma);
  return { u: u1, p: clip(p), method: "asymptotic" };
}

/**
 * The smallest one-sided p-value samples of these sizes can reach (all of one above all of the
 * other): below `alpha`, the test can detect a difference at all.
 */
export function smallestOneSidedP(n1: number, n2: number): number {
  // 1 / C(n1 + n2, n1), computed as a product to stay finite.
  let p = 1;
  for (let i = 1; i <= n1; i++) p *= i / (n2 + i);
  return p;
}
