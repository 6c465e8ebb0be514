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
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { NnbenchError } from "../errors.js";
import { mannWhitneyU, smallestOneSidedP } from "../stats/mann-whitney.js";
import { flattenObject, formatBytes, formatDuration, formatValue, truncate } from "../text/units.js";
import { renderTable } from "../text/table.js";
import type { BenchmarkRecord, BenchmarkResult, JsonObject, JsonValue } from "../types.js";
import { createColors } from "../text/colors.js";

/** The comparison is misconfigured: a bad comparison file, comparator or threshold. */
export class ComparisonError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_COMPARISON", options);
  }
}

/**
 * Decides whether a benchmark's value in a later run compares favourably with its value in the
 * baseline. Implement it to write your own; `toString()` describes the rule in the output.
 */
export interface Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean;
  toString(): string;
}

function bothNumbers(a: JsonValue | undefined, b: JsonValue | undefined): [number, number] | undefined {
  return typeof a === "number" && typeof b === "number" ? [a, b] : undefined;
}

/** Passes when the value is at least the baseline's (`x ≥ y`), e.g. for accuracy. */
export class GreaterEqual implements Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && n[0] >= n[1];
  }
  toString(): string {
    return "x ≥ y";
  }
}

/** Passes when the value is at most the baseline's (`x ≤ y`), e.g. for a loss. */
export class LessEqual implements Comparator {
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && n[0] <= n[1];
  }
  toString(): string {
    return "x ≤ y";
  }
}

/** Passes when the value is within `thresh` of the baseline's (`|x − y| ≤ thresh`). */
export class AbsDiffLessEqual implements Comparator {
  readonly thresh: number;

  /** Accepts the threshold, or nnbench's keyword arguments `{ thresh }`. */
  constructor(thresh: number | { thresh?: unknown; threshold?: unknown }) {
    const t = typeof thresh === "number" ? thresh : (thresh.thresh ?? thresh.threshold);
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      throw new ComparisonError(`AbsDiffLessEqual needs a threshold >= 0 ("kwargs": {"thresh": 0.01}), got ${JSON.stringify(t)}`);
    }
    this.thresh = t;
  }
  compare(value: JsonValue | undefined, baseline: JsonValue | undefined): boolean {
    const n = bothNumbers(value, baseline);
    return n !== undefined && Math.abs(n[0] - n[1]) <= this.thresh;
  }
  toString(): string {
    return `|x − y| ≤ ${this.thresh}`;
  }
}

/** The comparators a comparison file can name by class alone. */
export const BUILTIN_COMPARATORS = { GreaterEqual, LessEqual, AbsDiffLessEqual } as const;

function isComparator(v: unknown): v is Comparator {
  return typeof v === "object" && v !== null && typeof (v as { compare?: unknown }).compare === "function";
}

/** One entry of a comparison file. */
export interface ComparatorSpec {
  /** A built-in class name, or `"path/to/module.js:ExportName"` (also `"module"` + `"class"`). */
  class: string;
  module?: string;
  kwargs?: JsonObject;
}

/**
 * Builds a comparator from its spec. A user's export may be a class (constructed with `kwargs`),
 * a factory function (called with `kwargs`) or a comparator object. Module paths resolve from `baseDir`.
 */
export async function makeComparator(spec: ComparatorSpec, baseDir = process.cwd(), where = "comparator"): Promise<Comparator> {
  if (typeof spec !== "object" || spec === null || typeof spec.class !== "string" || spec.class === "") {
    throw new ComparisonError(`${where}: expected {"class": "<name>", "kwargs": {...}}`);
  }
  const kwargs = spec.kwargs ?? {};
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) throw new ComparisonError(`${where}: "kwargs" must be an object`);
  let modulePath = spec.module;
  let exportName = spec.class;
  const colon = exportName.lastIndexOf(":");
  if (modulePath === undefined && colon > 0) {
    modulePath = exportName.slice(0, colon);
    exportName = exportName.slice(colon + 1);
  }
  if (modulePath === undefined) {
    const Builtin = (BUILTIN_COMPARATORS as Record<string, new (kw: JsonObject) => Comparator>)[exportName];
    if (!Builtin) {
      throw new ComparisonError(
        `${where}: unknown comparator class "${exportName}"; built in: ${Object.keys(BUILTIN_COMPARATORS).join(", ")}, ` +
          `or give "path/to/module.js:ExportName"`,
      );
    }
    // Python nnbench passes kwargs by name; the built-ins here take them as one object.
    if (exportName === "AbsDiffLessEqual") return new AbsDiffLessEqual(kwargs as { thresh?: unknown });
    return new Builtin(kwargs);
  }
  const file = path.resolve(baseDir, modulePath);
  let mod: Record<string, unknown>;
  try {
    if (/\.(?:m|c)?tsx?$/.test(file)) {
      const { importFile } = await import("../run/import-file.js");
      mod = await importFile(file);
    } else {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (err) {
    throw new ComparisonError(`${where}: cannot import ${modulePath}: ${(err as Error).message}`, { cause: err });
  }
  const exported = mod[exportName];
  if (exported === undefined) throw new ComparisonError(`${where}: ${modulePath} has no export "${exportName}"`);
  let made: unknown = exported;
  if (typeof exported === "function") {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exported));
    try {
      made = isClass ? new (exported as new (kw: JsonObject) => unknown)(kwargs) : (exported as (kw: JsonObject) => unknown)(kwargs);
    } catch (err) {
      throw new ComparisonError(`${where}: constructing ${exportName} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!isComparator(made)) throw new ComparisonError(`${where}: ${exportName} is not a comparator (an object with a compare(value, baseline) method)`);
  return made;
}

/**
 * Reads a comparison file shaped like Python nnbench's:
 * `{ "<benchmark or function name>": { "class": "GreaterEqual", "kwargs": {} } }`.
 * Custom comparators' module paths resolve from the file's directory.
 */
export async function loadComparisonFile(file: string): Promise<Record<string, Comparator>> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new ComparisonError(`cannot read comparison file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ComparisonError(`comparison file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ComparisonError(`comparison file ${file} must hold an object of benchmark name -> {"class", "kwargs"}`);
  }
  const out: Record<string, Comparator> = {};
  for (const [name, spec] of Object.entries(doc)) {
    out[name] = await makeComparator(spec as ComparatorSpec, path.dirname(path.resolve(file)), `${file}: "${name}"`);
  }
  return out;
}

/** How a threshold measures change: relative (%) or absolute in the metric's unit. */
export interface Threshold {
  /** The text it was parsed from, e.g. `time:+5%`. */
  spec: string;
  /** The record field, as a dotted path (`time_ns`, `memory.native_peak_bytes`, `stats.p99`, `value`). */
  metric: string;
  /** `increase`: larger is worse (time, memory); `decrease`: smaller is worse (accuracy, throughput). */
  direction: "increase" | "decrease";
  /** The allowed change: a fraction when `relative`, else an amount in the metric's unit (ns, bytes). */
  limit: number;
  relative: boolean;
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

function metricKind(metric: string): "time" | "bytes" | "other" {
  if (metric === "time_ns" || metric.startsWith("stats.") || metric.endsWith("_ns")) return "time";
  if (metric.endsWith("_bytes") || metric.startsWith("memory.")) return "bytes";
  return "other";
}

/**
 * Parses `<metric>:<+|-><amount>[unit]`, e.g. `time:+5%` (fail when time grows more than 5%),
 * `memory.native_peak_bytes:+10MiB`, `stats.p99:+2ms`, `value:-1%` (fail when the value drops more than 1%).
 * `time` means `time_ns`. Units: `%`; `ns`, `us`/`µs`, `ms`, `s` for times; `B`, `KB`, `MB`, `GB`, `KiB`, `MiB`,
 * `GiB`, `TiB` for bytes; none for the metric's own unit.
 */
export function parseThreshold(spec: string): Threshold {
  const m = /^([A-Za-z_][\w.]*):([+-])(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(%|[A-Za-zµ]+)?$/.exec(spec.trim());
  if (!m) {
    throw new ComparisonError(
      `invalid threshold "${spec}": expected <metric>:<+|-><amount>[unit], e.g. time:+5% or memory.native_peak_bytes:+10MiB`,
    );
  }
  const metric = m[1] === "time" ? "time_ns" : m[1]!;
  const amount = Number(m[3]);
  const unit = m[4];
  const kind = metricKind(metric);
  let limit = amount;
  let relative = false;
  if (unit === "%") {
    relative = true;
    limit = amount / 100;
  } else if (unit !== undefined) {
    const time = TIME_UNITS[unit];
    const bytes = BYTE_UNITS[unit.toLowerCase()];
    if (time !== undefined && kind !== "bytes") limit = amount * time;
    else if (bytes !== undefined && kind !== "time") limit = amount * bytes;
    else throw new ComparisonError(`invalid threshold "${spec}": unit "${unit}" does not fit the metric "${metric}"`);
  }
  return { spec, metric, direction: m[2] === "+" ? "increase" : "decrease", limit, relative };
}

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

/** Context keys whose difference makes timings incomparable: machine, OS, Node.js, the addon's build. */
function isEnvironmentKey(key: string): boolean {
  const k = key.toLowerCase();
  if (k === "cpu.frequency") return false; // the current clock, changes from moment to moment
  return /^(cpu|cpuarch|system|platform|arch|node|node_version|addon|nnbench)(\.|$)/.test(k) || /(^|\.)addon(\.|_|$)/.test(k);
}

/** Warnings for every environment key (CPU, Node.js version, addon build, OS) whose value differs. */
export function contextWarnings(baseline: BenchmarkResult, other: BenchmarkResult): string[] {
  const a = flattenObject(baseline.context);
  const b = flattenObject(other.context);
  const out: string[] = [];
  for (const key of Object.keys(a)) {
    if (!isEnvironmentKey(key) || !(key in b)) continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      out.push(`runs "${baseline.run}" and "${other.run}" differ in context ${key}: ${JSON.stringify(a[key])} vs ${JSON.stringify(b[key])}`);
    }
  }
  return out;
}

function getPath(record: BenchmarkRecord, metric: string): JsonValue | undefined {
  let cur: unknown = record;
  for (const part of metric.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur as JsonValue | undefined;
}

function formatMetric(metric: string, v: number): string {
  const kind = metricKind(metric);
  if (kind === "time") return formatDuration(v);
  if (kind === "bytes") return formatBytes(v);
  return formatValue(v);
}

function describeLimit(t: Threshold): string {
  const sign = t.direction === "increase" ? "+" : "-";
  return t.relative ? `${sign}${+(t.limit * 100).toFixed(6)}%` : `${sign}${formatMetric(t.metric, t.limit)}`;
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
  if (metricKind(t.metric) === "time") {
    const xs = cur.samples_ns;
    const ys = base.samples_ns;
    if (xs && ys && xs.length >= 2 && ys.length >= 2) {
      const { p } = mannWhitneyU(xs, ys, t.direction === "increase" ? "greater" : "less");
      const pText = `p=${p < 0.0001 ? p.toExponential(1) : p.toFixed(4)}`;
      if (p >= alpha) {
        const few = smallestOneSidedP(xs.length, ys.length) >= alpha ? `; ${xs.length} vs ${ys.length} samples can never reach p<${alpha}` : "";
        return { check, status: "noise", detail: `${detail}, not significant (${pText}${few})`, p };
      }
      return { check, status: "fail", detail: `${detail}, significant (${pText})`, p };
    }
  }
  return { check, status: "fail", detail };
}

function byName(result: BenchmarkResult): Map<string, BenchmarkRecord> {
  const m = new Map<string, BenchmarkRecord>();
  for (const b of result.benchmarks) if (!m.has(b.name)) m.set(b.name, b);
  return m;
}

/**
 * Compares every result after the first with the first, benchmark by benchmark (matched by name).
 * Needs at least two results; a comparator keyed by a name that no benchmark or function has is an error.
 */
export function compare(results: readonly BenchmarkResult[], options: CompareOptions = {}): Comparison {
  if (results.length < 2) throw new ComparisonError(`need at least two results to compare, got ${results.length}`);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new ComparisonError(`alpha must be between 0 and 1, got ${alpha}`);
  const comparators = options.comparators ?? {};
  const thresholds = options.thresholds ?? [];
  const [baseline, ...runs] = results as [BenchmarkResult, ...BenchmarkResult[]];
  const known = new Set(results.flatMap((r) => r.benchmarks.flatMap((b) => [b.name, b.function])));
  const unknown = Object.keys(comparators).filter((k) => !known.has(k));
  const warnings: string[] = unknown.map((k) => `the comparison file names "${k}", which no run has`);
  const comparatorFor = (b: BenchmarkRecord | undefined, name: string): Comparator | undefined =>
    comparators[name] ?? (b ? comparators[b.function] : undefined);

  const base = byName(baseline);
  const rows: ComparisonRow[] = [];
  for (const run of runs) {
    warnings.push(...contextWarnings(baseline, run));
    const cur = byName(run);
    const names = [...base.keys(), ...[...cur.keys()].filter((n) => !base.has(n))];
    for (const name of names) {
      const b = base.get(name);
      const c = cur.get(name);
      const row: ComparisonRow = { benchmark: name, run: run.run, status: "pass", checks: [], failed: false };
      if (b) row.baseline = b;
      if (c) row.record = c;
      const comparator = comparatorFor(b ?? c, name);
      if (!c) {
        row.status = "missing";
        row.failed = comparator !== undefined;
        if (comparator) row.checks.push({ check: `value ${comparator.toString()}`, status: "fail", detail: `missing from run "${run.run}"` });
      } else if (!b) {
        row.status = "new";
      } else if (c.error_occurred && b.error_occurred) {
        row.status = "error";
      } else if (c.error_occurred) {
        row.status = "fail";
        row.failed = true;
        row.checks.push({ check: "runs", status: "fail", detail: `now fails: ${c.error_message}` });
      } else {
        if (comparator) {
          const ok = b.error_occurred ? true : comparator.compare(c.value, b.value);
          row.checks.push({
            check: `value ${comparator.toString()}`,
            status: ok ? "pass" : "fail",
            detail: `value ${formatValue(c.value)} vs. ${b.error_occurred ? "(baseline failed)" : formatValue(b.value)}`,
          });
        }
        if (!b.error_occurred) for (const t of thresholds) row.checks.push(checkThreshold(t, b, c, alpha));
        row.failed = row.checks.some((x) => x.status === "fail");
        row.status = row.failed ? "fail" : "pass";
      }
      rows.push(row);
    }
  }
  const rules = [
    ...Object.entries(comparators).map(([k, v]) => `${k}: value ${v.toString()}`),
    ...thresholds.map((t) => `all: ${t.metric} ${describeLimit(t)}${metricKind(t.metric) === "time" ? ` (significant at p<${alpha} when samples exist)` : ""}`),
  ];
  return { baseline, runs, rows, warnings, success: !rows.some((r) => r.failed), rules };
}

/** Options of {@link renderComparison}. */
export interface RenderComparisonOptions {
  color?: boolean;
  /** Context values (dotted paths) to show per run. */
  contextKeys?: string[];
}

/** The comparison as text: rules, warnings, a table with a status column, and a summary line. */
export function renderComparison(c: Comparison, options: RenderComparisonOptions = {}): string {
  const col = createColors(options.color ?? false);
  let out = `Comparison: all vs. first (baseline "${c.baseline.run}")\n`;
  if (c.rules.length > 0) out += `Checks:\n${c.rules.map((r) => `  ${r}`).join("\n")}\n`;
  else out += col.dim("No comparators or thresholds: only benchmarks that now fail count as regressions.") + "\n";
  if (options.contextKeys && options.contextKeys.length > 0) {
    const keys = options.contextKeys;
    const ctxRows = [c.baseline, ...c.runs].map((r) => {
      const flat = flattenObject(r.context);
      return [r.run, ...keys.map((k) => (k in flat ? formatValue(flat[k]) : "N/A"))];
    });
    out += "\n" + renderTable(["Run", ...keys], ctxRows, { header: col.bold });
  }
  for (const w of c.warnings) out += col.yellow(`warning: ${w}`) + "\n";
  const statusText = (r: ComparisonRow): string => {
    const noise = r.checks.some((x) => x.status === "noise");
    switch (r.status) {
      case "pass":
        return col.green(noise ? "✓ pass (noise)" : "✓ pass");
      case "fail":
        return col.red("✗ FAIL");
      case "missing":
        return r.failed ? col.red("✗ missing") : col.yellow("? missing");
      case "new":
        return col.dim("new");
      case "error":
        return col.dim("error in both");
    }
  };
  const rows = c.rows.map((r) => {
    const value = (rec: BenchmarkRecord | undefined) =>
      rec === undefined ? "N/A" : rec.error_occurred ? col.red(truncate(`ERROR: ${rec.error_message}`, 40)) : truncate(formatValue(rec.value), 24);
    const time = (rec: BenchmarkRecord | undefined) => (rec && !rec.error_occurred ? formatDuration(rec.time_ns) : "");
    const details = r.checks
      .filter((x) => x.status !== "pass" && x.status !== "skipped")
      .map((x) => (x.status === "fail" ? col.red(x.detail) : col.yellow(x.detail)))
      .join("; ");
    let delta = "";
    if (r.baseline && r.record && !r.baseline.error_occurred && !r.record.error_occurred && r.baseline.time_ns > 0) {
      const d = ((r.record.time_ns - r.baseline.time_ns) / r.baseline.time_ns) * 100;
      delta = `${d >= 0 ? "+" : ""}${d.toFixed(1)}%`;
    }
    return [r.benchmark, r.run, value(r.record), value(r.baseline), time(r.record), time(r.baseline), delta, statusText(r), details];
  });
  out += "\n" + renderTable(["Benchmark", "Run", "Value", "Baseline", "Time", "Baseline time", "Δ time", "Status", "Details"], rows, {
    align: ["left", "left", "right", "right", "right", "right", "right", "left", "left"],
    header: col.bold,
  });
  const failed = c.rows.filter((r) => r.failed).length;
  out += c.success ? col.green(`All ${c.rows.length} comparisons passed.`) + "\n" : col.red(`${failed} of ${c.rows.length} comparisons regressed.`) + "\n";
  return out;
}

export { mannWhitneyU, type Alternative, type MannWhitneyMethod, type MannWhitneyResult } from "../stats/mann-whitney.js";
