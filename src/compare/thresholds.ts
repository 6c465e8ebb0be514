/**
 * Thresholds on a record's numeric fields, as `--fail` gives them: `time:+5%`,
 * `memory.native_peak_bytes:+10MiB`, `value:-1%`.
 */
import { ComparisonError } from "../errors.js";
import { formatBytes, formatDuration, formatValue } from "../text/units.js";
import { MEMORY_FIELDS, STATS_FIELDS } from "../types.js";

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

/** The fields a threshold may name (`time` is short for `time_ns`; `value.<key>` reads into an object value). */
export const THRESHOLD_FIELDS: readonly string[] = [
  "time",
  "time_ns",
  "value",
  "value.<key>",
  ...MEMORY_FIELDS.map((f) => `memory.${f}`),
  ...STATS_FIELDS.map((f) => `stats.${f}`),
];

function isKnownField(metric: string): boolean {
  return metric.startsWith("value.") || THRESHOLD_FIELDS.includes(metric);
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

/** Whether a field holds a time in nanoseconds, a number of bytes, or something else. */
export function metricKind(metric: string): "time" | "bytes" | "other" {
  if (metric === "time_ns" || metric.startsWith("stats.") || metric.endsWith("_ns")) return "time";
  if (metric.endsWith("_bytes") || metric.startsWith("memory.")) return "bytes";
  return "other";
}

/** A field's value for people: a duration, a size or a number. */
export function formatMetric(metric: string, v: number): string {
  const kind = metricKind(metric);
  if (kind === "time") return formatDuration(v);
  if (kind === "bytes") return formatBytes(v);
  return formatValue(v);
}

/** The allowed change, e.g. `+5%` or `+10 MiB`. */
export function describeLimit(t: Threshold): string {
  const sign = t.direction === "increase" ? "+" : "-";
  return t.relative ? `${sign}${+(t.limit * 100).toFixed(6)}%` : `${sign}${formatMetric(t.metric, t.limit)}`;
}

/** The limit in the metric's own unit (a fraction for `%`). */
function limitOf(spec: string, metric: string, amount: number, unit: string | undefined): { limit: number; relative: boolean } {
  if (unit === undefined) return { limit: amount, relative: false };
  if (unit === "%") return { limit: amount / 100, relative: true };
  const kind = metricKind(metric);
  const time = TIME_UNITS[unit];
  const bytes = BYTE_UNITS[unit.toLowerCase()];
  if (time !== undefined && kind !== "bytes") return { limit: amount * time, relative: false };
  if (bytes !== undefined && kind !== "time") return { limit: amount * bytes, relative: false };
  throw new ComparisonError(`invalid threshold "${spec}": unit "${unit}" does not fit the metric "${metric}"`);
}

/**
 * Parses `<metric>:<+|-><amount>[unit]`, e.g. `time:+5%` (fail when time grows more than 5%),
 * `memory.native_peak_bytes:+10MiB`, `stats.p99:+2ms`, `value:-1%` (fail when the value drops more than 1%).
 * `time` means `time_ns`. Units: `%`; `ns`, `us`/`µs`, `ms`, `s` for times; `B`, `KB`, `MB`, `GB`, `KiB`, `MiB`,
 * `GiB`, `TiB` for bytes; none for the metric's own unit. A field not in {@link THRESHOLD_FIELDS} is a
 * `ComparisonError` that lists the valid ones.
 */
export function parseThreshold(spec: string): Threshold {
  const m = /^([A-Za-z_][\w.]*):([+-])(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(%|[A-Za-zµ]+)?$/.exec(spec.trim());
  if (!m) {
    throw new ComparisonError(
      `invalid threshold "${spec}": expected <metric>:<+|-><amount>[unit], e.g. time:+5% or memory.native_peak_bytes:+10MiB`,
    );
  }
  if (!isKnownField(m[1]!)) {
    throw new ComparisonError(`invalid threshold "${spec}": unknown field "${m[1]}"; valid fields: ${THRESHOLD_FIELDS.join(", ")}`);
  }
  const metric = m[1] === "time" ? "time_ns" : m[1]!;
  const { limit, relative } = limitOf(spec, metric, Number(m[3]), m[4]);
  return { spec, metric, direction: m[2] === "+" ? "increase" : "decrease", limit, relative };
}
