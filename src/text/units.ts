/** Human-readable numbers for tables: durations, byte sizes, values and parameters. */
import type { JsonObject, JsonValue } from "../types.js";

function threeDigits(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/**
 * A duration in nanoseconds as text with a unit: `ns`, `µs`, `ms` or `s`, three significant digits
 * (`950 ns`, `1.23 µs`, `45.6 ms`, `2.00 s`). Non-finite input gives `-`.
 */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return "-";
  const sign = ns < 0 ? "-" : "";
  const a = Math.abs(ns);
  if (a < 999.5) return `${sign}${Math.round(a)} ns`;
  // Round first so 999.9 µs prints as 1.00 ms, not 1000 µs.
  const units: [number, string][] = [
    [1e3, "µs"],
    [1e6, "ms"],
  ];
  for (const [scale, unit] of units) {
    const v = a / scale;
    if (Number(threeDigits(v)) < 1000) return `${sign}${threeDigits(v)} ${unit}`;
  }
  return `${sign}${threeDigits(a / 1e9)} s`;
}

const BYTE_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * A byte count as text in binary units (`512 B`, `1.50 KiB`, `256 MiB`, `1.00 GiB`), three significant
 * digits; negative counts (memory released) keep their sign. Non-finite input gives `-`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "-";
  const sign = bytes < 0 ? "-" : "";
  let a = Math.abs(bytes);
  if (a < 1024) return `${sign}${a.toFixed(0)} B`;
  for (let i = 0; i < BYTE_UNITS.length; i++) {
    a /= 1024;
    if (Number(threeDigits(a)) < 1024 || i === BYTE_UNITS.length - 1) return `${sign}${threeDigits(a)} ${BYTE_UNITS[i]}`;
  }
  return `${sign}${threeDigits(a)} PiB`;
}

/** A benchmark value for a table cell: numbers with up to 6 significant digits, anything else as JSON. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
    const p = Number(value.toPrecision(6));
    return String(p);
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Parameters as `name=value` pairs, nested values as JSON. */
export function formatParameters(params: JsonObject): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

/** Shortens text to `max` visible characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join("") + "…";
}

/** Flattens nested objects into dotted keys (`{ git: { commit: "x" } }` → `{ "git.commit": "x" }`). */
export function flattenObject(obj: JsonObject, prefix = ""): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flattenObject(v, key));
    else out[key] = v;
  }
  return out;
}
