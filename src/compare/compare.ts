/**
 * Comparing benchmark results across runs, "all vs. first": every later run is compared with the
 * first (the baseline), benchmark by benchmark, matched by name.
 *
 * Two kinds of checks decide whether a benchmark regressed:
 *
 * - comparators on the benchmark's value, as in Python nnbench (`GreaterEqual`, `LessEqual`,
 *   `AbsDiffLessEqual`, or a user's own), configured per benchmark in a comparison file;
 * - thresholds on any numeric field, such as `time:+5%` or `memory.native_peak_bytes:+10MiB`. A time
 *   threshold is only broken when both records carry timing samples showing a statistically significant
 *   slowdown (one-sided Mann-Whitney U test), so noise alone does not fail a build.
 *
 * A benchmark that succeeded in the baseline and fails in a later run is always a regression.
 */
import { ComparisonError } from "../errors.js";
import { mannWhitneyU, smallestOneSidedP } from "../stats/mann-whitney.js";
import { formatValue } from "../text/units.js";
import type { BenchmarkRecord, BenchmarkResult, JsonValue } from "../types.js";
import type { Comparator } from "./comparators.js";
import { contextWarnings, workerWarnings } from "./environment.js";
import { describeLimit, formatMetric, metricKind, type Threshold } from "./thresholds.js";

/** Options of {@link compare}. */
export interface CompareOptions {
  /** Value comparators by benchmark name, or by function name to cover a whole family. */
  comparators?: Record<string, Comparator>;
  /** Limits on how much a field may change relative to the baseline. */
  thresholds?: Threshold[];
  /** Significance level of the timing test (default 0.05). */
  alpha?: number;
}

/** The outcome of one check: `noise` is a breached time limit that the samples do not support. */
export interface CheckResult {
  check: string;
  status: "pass" | "fail" | "noise" | "skipped";
  detail: string;
  /** The one-sided Mann-Whitney p-value, when samples were tested. */
  p?: number;
}

/**
 * One benchmark in one later run, against the baseline. `status`: `pass`; `fail` (a check failed, or the
 * benchmark now errors); `missing` (absent from this run; a failure when it has a comparator); `new`
 * (absent from the baseline); `error` (failed in both runs, nothing to compare).
 */
export interface ComparisonRow {
  benchmark: string;
  run: string;
  baseline?: BenchmarkRecord;
  record?: BenchmarkRecord;
  status: "pass" | "fail" | "missing" | "new" | "error";
  checks: CheckResult[];
  /** Whether this row makes the comparison fail. */
  failed: boolean;
}

/** The outcome of {@link compare}. */
export interface Comparison {
  baseline: BenchmarkResult;
  runs: BenchmarkResult[];
  rows: ComparisonRow[];
  /** Things that make the comparison less trustworthy, e.g. runs on different CPUs. */
  warnings: string[];
  /** True when no row failed. */
  success: boolean;
  /** The comparators and thresholds used, described for the output. */
  rules: string[];
}

function getPath(record: BenchmarkRecord, metric: string): JsonValue | undefined {
  let cur: unknown = record;
  for (const part of metric.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur as JsonValue | undefined;
}

/** A breached time limit: a failure only when both records' samples show a significant slowdown. */
function testSamples(t: Threshold, base: BenchmarkRecord, cur: BenchmarkRecord, alpha: number, check: string, detail: string): CheckResult {
  const xs = cur.samples_ns;
  const ys = base.samples_ns;
  if (!xs || !ys || xs.length < 2 || ys.length < 2) return { check, status: "fail", detail };
  const { p } = mannWhitneyU(xs, ys, t.direction === "increase" ? "greater" : "less");
  const pText = `p=${p < 0.0001 ? p.toExponential(1) : p.toFixed(4)}`;
  if (p >= alpha) {
    const few = smallestOneSidedP(xs.length, ys.length) >= alpha ? `; ${xs.length} vs ${ys.length} samples can never reach p<${alpha}` : "";
    return { check, status: "noise", detail: `${detail}, not significant (${pText}${few})`, p };
  }
  return { check, status: "fail", detail: `${detail}, significant (${pText})`, p };
}

function checkThreshold(t: Threshold, base: BenchmarkRecord, cur: BenchmarkRecord, alpha: number): CheckResult {
  const check = `${t.metric} ${describeLimit(t)}`;
  const bv = getPath(base, t.metric);
  const cv = getPath(cur, t.metric);
  if (typeof bv !== "number" || typeof cv !== "number") {
    return { check, status: "skipped", detail: `${t.metric}: not recorded in both runs` };
  }
  const grew = t.direction === "increase" ? cv - bv : bv - cv; // positive = worse
  const change = bv === 0 ? (grew === 0 ? 0 : grew > 0 ? Infinity : -Infinity) : grew / Math.abs(bv);
  const breached = t.relative ? change > t.limit : grew > t.limit;
  const pct = bv === 0 ? (cv === bv ? "±0%" : "n/a") : `${cv >= bv ? "+" : ""}${(((cv - bv) / Math.abs(bv)) * 100).toFixed(1)}%`;
  const detail = `${t.metric} ${formatMetric(t.metric, bv)} → ${formatMetric(t.metric, cv)} (${pct})`;
  if (!breached) return { check, status: "pass", detail };
  if (metricKind(t.metric) === "time") return testSamples(t, base, cur, alpha, check, detail);
  return { check, status: "fail", detail };
}

function byName(result: BenchmarkResult): Map<string, BenchmarkRecord> {
  const m = new Map<string, BenchmarkRecord>();
  for (const b of result.benchmarks) if (!m.has(b.name)) m.set(b.name, b);
  return m;
}

/** Throws when a comparator is keyed by a name that no benchmark or function of any run has. */
function checkComparatorNames(results: readonly BenchmarkResult[], comparators: Record<string, Comparator>): void {
  const known = new Set(results.flatMap((r) => r.benchmarks.flatMap((b) => [b.name, b.function])));
  const unknown = Object.keys(comparators).filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  const names = [...known].sort();
  const shown = names.length > 30 ? `${names.slice(0, 30).join(", ")} and ${names.length - 30} more` : names.join(", ");
  throw new ComparisonError(
    `comparators name ${unknown.map((k) => JSON.stringify(k)).join(", ")}, which no run has; ` +
      `benchmark and function names in these runs: ${shown || "none"}`,
  );
}

/** What one row is compared with: its comparator and the thresholds. */
interface RowRules {
  readonly comparator: Comparator | undefined;
  readonly thresholds: readonly Threshold[];
  readonly alpha: number;
}

/** Checks a benchmark present and successful in the later run against the baseline's record. */
function checkRecord(row: ComparisonRow, b: BenchmarkRecord, c: BenchmarkRecord, rules: RowRules): void {
  const { comparator } = rules;
  if (comparator) {
    const ok = b.error_occurred ? true : comparator.compare(c.value, b.value);
    row.checks.push({
      check: `value ${comparator.toString()}`,
      status: ok ? "pass" : "fail",
      detail: `value ${formatValue(c.value)} vs. ${b.error_occurred ? "(baseline failed)" : formatValue(b.value)}`,
    });
  }
  if (!b.error_occurred) for (const t of rules.thresholds) row.checks.push(checkThreshold(t, b, c, rules.alpha));
  row.failed = row.checks.some((x) => x.status === "fail");
  row.status = row.failed ? "fail" : "pass";
}

/** One benchmark of one later run against the baseline. */
function compareRow(name: string, run: string, b: BenchmarkRecord | undefined, c: BenchmarkRecord | undefined, rules: RowRules): ComparisonRow {
  const row: ComparisonRow = { benchmark: name, run, status: "pass", checks: [], failed: false };
  if (b) row.baseline = b;
  if (c) row.record = c;
  const { comparator } = rules;
  if (!c) {
    row.status = "missing";
    row.failed = comparator !== undefined;
    if (comparator) row.checks.push({ check: `value ${comparator.toString()}`, status: "fail", detail: `missing from run "${run}"` });
  } else if (!b) {
    row.status = "new";
  } else if (c.error_occurred && b.error_occurred) {
    row.status = "error";
  } else if (c.error_occurred) {
    row.status = "fail";
    row.failed = true;
    row.checks.push({ check: "runs", status: "fail", detail: `now fails: ${c.error_message}` });
  } else {
    checkRecord(row, b, c, rules);
  }
  return row;
}

/**
 * Compares every result after the first with the first, benchmark by benchmark (matched by name).
 * Needs at least two results; a comparator keyed by a name that no benchmark or function has is a
 * `ComparisonError` that lists the names the runs have.
 */
export function compare(results: readonly BenchmarkResult[], options: CompareOptions = {}): Comparison {
  if (results.length < 2) throw new ComparisonError(`need at least two results to compare, got ${results.length}`);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new ComparisonError(`alpha must be between 0 and 1, got ${alpha}`);
  const comparators = options.comparators ?? {};
  const thresholds = options.thresholds ?? [];
  checkComparatorNames(results, comparators);
  const [baseline, ...runs] = results as [BenchmarkResult, ...BenchmarkResult[]];
  const warnings: string[] = workerWarnings(baseline);
  const base = byName(baseline);
  const rows: ComparisonRow[] = [];
  for (const run of runs) {
    warnings.push(...contextWarnings(baseline, run), ...workerWarnings(run));
    const cur = byName(run);
    const names = [...base.keys(), ...[...cur.keys()].filter((n) => !base.has(n))];
    for (const name of names) {
      const b = base.get(name);
      const c = cur.get(name);
      const record = b ?? c;
      const comparator = comparators[name] ?? (record ? comparators[record.function] : undefined);
      rows.push(compareRow(name, run.run, b, c, { comparator, thresholds, alpha }));
    }
  }
  const rules = [
    ...Object.entries(comparators).map(([k, v]) => `${k}: value ${v.toString()}`),
    ...thresholds.map((t) => `all: ${t.metric} ${describeLimit(t)}${metricKind(t.metric) === "time" ? ` (significant at p<${alpha} when samples exist)` : ""}`),
  ];
  return { baseline, runs, rows, warnings, success: !rows.some((r) => r.failed), rules };
}
