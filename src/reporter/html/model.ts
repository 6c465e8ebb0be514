/**
 * Turns benchmark results into the data an HTML report embeds: runs with their records, the
 * benchmarks they share, the comparison of every run against the first, and the regressions between
 * consecutive runs. Comparisons come from `src/compare`, so the report agrees with `nnbench compare`.
 */
import type { Comparator } from "../../compare/comparators.js";
import { compare, type Comparison } from "../../compare/compare.js";
import { parseThreshold, type Threshold } from "../../compare/thresholds.js";
import { fiveNumbers, percentileOfSorted } from "../../stats/summary.js";
import { flattenObject, formatParameters, formatValue } from "../../text/units.js";
import type { BenchmarkRecord, BenchmarkResult, JsonValue } from "../../types.js";
import type {
  ReportBenchmark,
  ReportComparison,
  ReportComparisonRow,
  ReportData,
  ReportRecord,
  ReportRegression,
  ReportRun,
  ReportSpread,
  ReportTimeline,
} from "./data.js";

/** Options of {@link buildReportData}. */
export interface ReportOptions {
  /** The page's title (default: "nnbench report"). */
  title?: string;
  /** Where each result was read from, by position (shown per run). */
  sources?: string[];
  /** Limits on change against the first run, as `nnbench compare --fail` takes them. */
  thresholds?: Threshold[];
  /** Value comparators by benchmark or function name. */
  comparators?: Record<string, Comparator>;
  /** Significance level of the timing test (default 0.05). */
  alpha?: number;
  /** The moment the report is made (default: now). */
  now?: Date;
}

/** The most samples kept per record; longer series are thinned to evenly spaced quantiles. */
export const MAX_SAMPLES_PER_RECORD = 200;

/** Limits that mark a regression between consecutive runs when no thresholds are given. */
export const DEFAULT_HISTORY_THRESHOLDS: readonly string[] = ["time:+10%", "memory.native_peak_bytes:+10%", "memory.rss_peak_bytes:+10%"];

function thin(sorted: readonly number[], max: number): number[] {
  if (sorted.length <= max) return [...sorted];
  return Array.from({ length: max }, (_, i) => Math.round(percentileOfSorted(sorted, (100 * i) / (max - 1))));
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
}

/** The record's memory timeline when it has a well-formed one. */
export function timelineOf(record: BenchmarkRecord): ReportTimeline | undefined {
  const t = (record.memory as unknown as Record<string, unknown> | undefined)?.timeline;
  if (typeof t !== "object" || t === null) return undefined;
  const tl = t as Record<string, unknown>;
  const times = tl.t_ms;
  if (!isNumberArray(times)) return undefined;
  const series = (key: string): number[] => {
    const s = tl[key];
    return isNumberArray(s) && s.length === times.length ? s : [];
  };
  const phases = Array.isArray(tl.phases)
    ? tl.phases.filter(
        (p): p is { name: string; start_ms: number; end_ms: number } =>
          typeof p === "object" && p !== null && typeof p.name === "string" && typeof p.start_ms === "number" && typeof p.end_ms === "number",
      )
    : [];
  return {
    interval_ms: typeof tl.interval_ms === "number" ? tl.interval_ms : 0,
    t_ms: times,
    rss_bytes: series("rss_bytes"),
    native_bytes: series("native_bytes"),
    external_bytes: series("external_bytes"),
    phases: phases.map((p) => ({ name: p.name, start_ms: p.start_ms, end_ms: p.end_ms })),
  };
}

function toRecord(rec: BenchmarkRecord, b: number): ReportRecord {
  const out: ReportRecord = { b };
  if (!(rec.error_occurred && rec.time_ns === 0)) out.time = rec.time_ns;
  if (rec.samples_ns && rec.samples_ns.length > 1) {
    const sorted = [...rec.samples_ns].sort((x, y) => x - y);
    const f = fiveNumbers(sorted);
    out.spread = [sorted.length, f.min, f.q1, f.median, f.q3, f.max].map(Math.round) as ReportSpread;
    out.samples = thin(sorted, MAX_SAMPLES_PER_RECORD);
  }
  if (!rec.error_occurred && rec.value !== undefined) out.value = formatValue(rec.value);
  if (rec.memory) {
    out.native = rec.memory.native_peak_bytes;
    if (typeof rec.memory.rss_peak_bytes === "number") out.rss = rec.memory.rss_peak_bytes;
    const timeline = timelineOf(rec);
    if (timeline) out.timeline = timeline;
  }
  if (rec.error_occurred) out.error = { kind: rec.error_kind ?? "error", message: rec.error_message };
  return out;
}

function contextText(v: JsonValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function relative(cur: number | undefined, base: number | undefined): number | undefined {
  if (typeof cur !== "number" || typeof base !== "number" || base === 0) return undefined;
  return Math.round(((cur - base) / Math.abs(base)) * 1e4) / 1e4;
}

function comparisonRows(c: Comparison, runIndex: Map<BenchmarkResult, number>, benchIndex: Map<string, number>): ReportComparisonRow[] {
  // compare() emits each later run's rows together, one per name in the baseline or that run.
  const baseNames = new Set(c.baseline.benchmarks.map((b) => b.name));
  const owners: BenchmarkResult[] = c.runs.flatMap((run) => {
    const names = new Set([...baseNames, ...run.benchmarks.map((b) => b.name)]);
    return Array.from({ length: names.size }, () => run);
  });
  const out: ReportComparisonRow[] = [];
  for (const [i, row] of c.rows.entries()) {
    const run = owners[i]!;
    const r: ReportComparisonRow = {
      run: runIndex.get(run)!,
      b: benchIndex.get(row.benchmark)!,
      status: row.status,
    };
    // Reports of many runs hold many rows: leave out what is false or empty.
    if (row.failed) r.failed = true;
    if (row.checks.length > 0) {
      r.checks = row.checks.map((x) => ({ check: x.check, status: x.status, detail: x.detail, ...(x.p !== undefined ? { p: x.p } : {}) }));
    }
    if (row.baseline && row.record && !row.baseline.error_occurred && !row.record.error_occurred) {
      const dt = relative(row.record.time_ns, row.baseline.time_ns);
      const dn = relative(row.record.memory?.native_peak_bytes, row.baseline.memory?.native_peak_bytes);
      const dr = relative(row.record.memory?.rss_peak_bytes, row.baseline.memory?.rss_peak_bytes);
      if (dt !== undefined) r.delta_time = dt;
      if (dn !== undefined) r.delta_native = dn;
      if (dr !== undefined) r.delta_rss = dr;
    }
    out.push(r);
  }
  return out;
}

function historyRegressions(results: readonly BenchmarkResult[], thresholds: Threshold[], alpha: number, benchIndex: Map<string, number>): ReportRegression[] {
  const out: ReportRegression[] = [];
  for (let i = 1; i < results.length; i++) {
    const c = compare([results[i - 1]!, results[i]!], { thresholds, alpha });
    for (const row of c.rows) {
      if (!row.failed) continue;
      const failing = row.checks.filter((x) => x.status === "fail");
      out.push({
        run: i,
        b: benchIndex.get(row.benchmark)!,
        metrics: failing.map((x) => x.check.split(" ")[0]!),
        detail: failing.map((x) => x.detail).join("; "),
      });
    }
  }
  return out;
}

/**
 * The data of a report over `results` (in the order given; the first is the baseline of the
 * comparison). Comparison needs two runs or more; history, three or more.
 */
export function buildReportData(results: readonly BenchmarkResult[], options: ReportOptions = {}): ReportData {
  const benchmarks: ReportBenchmark[] = [];
  const benchIndex = new Map<string, number>();
  const runs: ReportRun[] = results.map((result, i) => {
    const records: ReportRecord[] = [];
    const seen = new Set<string>();
    for (const rec of result.benchmarks) {
      if (seen.has(rec.name)) continue;
      seen.add(rec.name);
      let b = benchIndex.get(rec.name);
      if (b === undefined) {
        b = benchmarks.length;
        benchIndex.set(rec.name, b);
        benchmarks.push({
          name: rec.name,
          family: rec.function || rec.name,
          tags: rec.tags ? [...rec.tags] : [],
          parameters: formatParameters(rec.parameters),
          description: rec.description,
        });
      }
      records.push(toRecord(rec, b));
    }
    const flat = flattenObject(result.context);
    return {
      name: result.run,
      timestamp: result.timestamp,
      partial: result.partial === true,
      source: options.sources?.[i] ?? "",
      context: Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, contextText(v)])),
      records,
      failed: result.benchmarks.filter((b) => b.error_occurred).length,
    };
  });
  const data: ReportData = {
    title: options.title ?? "nnbench report",
    generated: (options.now ?? new Date()).toISOString(),
    runs,
    benchmarks,
  };
  const alpha = options.alpha ?? 0.05;
  if (results.length >= 2) {
    const c = compare(results, {
      thresholds: options.thresholds ?? [],
      comparators: options.comparators ?? {},
      alpha,
    });
    const runIndex = new Map(results.map((r, i) => [r, i] as const));
    const comparison: ReportComparison = { rules: c.rules, warnings: c.warnings, success: c.success, rows: comparisonRows(c, runIndex, benchIndex) };
    data.comparison = comparison;
  }
  if (results.length >= 3) {
    const thresholds = options.thresholds && options.thresholds.length > 0 ? options.thresholds : DEFAULT_HISTORY_THRESHOLDS.map(parseThreshold);
    data.history = {
      rules: thresholds.map((t) => t.spec),
      regressions: historyRegressions(results, thresholds, alpha, benchIndex),
    };
  }
  return data;
}
