/**
 * Validation of results read from outside, and the conversion between a result and the flat rows
 * (one per benchmark, carrying the run's name, context and timestamp) that record-oriented formats
 * and databases store.
 */
import {
  MEMORY_FIELDS,
  STATS_FIELDS,
  type BenchmarkRecord,
  type BenchmarkResult,
  type ErrorKind,
  type JsonObject,
  type JsonValue,
  type MemoryRecord,
  type SampleStats,
} from "../types.js";
import { ResultFormatError } from "../errors.js";

/** One benchmark record together with the run it belongs to. `benchmark` is null for a run without records. */
export interface ResultRow {
  run: string;
  context: JsonObject;
  timestamp: number;
  partial?: boolean;
  benchmark: BenchmarkRecord | null;
}

const ERROR_KINDS: readonly ErrorKind[] = ["error", "crash", "oom", "timeout", "interrupted", "memory_limit"];
/** Memory fields that records written before nnbench measured them (or by Python nnbench) may lack. */
const OPTIONAL_MEMORY_FIELDS: ReadonlySet<string> = new Set(["rss_peak_bytes", "rss_start_bytes", "rss_end_bytes", "external_peak_bytes", "heap_peak_bytes", "retained_bytes"]);

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(source: string, where: string, reason: string): never {
  throw new ResultFormatError(source, `${where}: ${reason}`);
}

function finiteNumber(value: unknown, source: string, where: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return fail(source, where, `expected a finite number, got ${JSON.stringify(value) ?? String(value)}`);
}

function parseMemory(value: unknown, source: string, where: string): MemoryRecord {
  if (!isJsonObject(value)) fail(source, where, "expected an object");
  const out: Record<string, JsonValue> = { ...value };
  for (const key of MEMORY_FIELDS) {
    if (value[key] === undefined && OPTIONAL_MEMORY_FIELDS.has(key)) continue;
    out[key] = finiteNumber(value[key], source, `${where}.${key}`);
  }
  if (value.rss_method !== undefined && value.rss_method !== "hwm" && value.rss_method !== "sampled")
    fail(source, `${where}.rss_method`, `expected "hwm" or "sampled", got ${JSON.stringify(value.rss_method)}`);
  if (value.timeline !== undefined && !isJsonObject(value.timeline)) fail(source, `${where}.timeline`, "expected an object");
  return out as unknown as MemoryRecord;
}

function parseStats(value: unknown, source: string, where: string): SampleStats {
  if (!isJsonObject(value)) fail(source, where, "expected an object");
  const out: Record<string, JsonValue> = { ...value };
  for (const key of STATS_FIELDS) out[key] = finiteNumber(value[key], source, `${where}.${key}`);
  return out as unknown as SampleStats;
}

/**
 * Checks one serialized benchmark record and fills the fields Python nnbench may leave out.
 * Keys this project does not know are kept as they are.
 */
export function parseRecord(value: unknown, source: string, where = "benchmark"): BenchmarkRecord {
  if (!isJsonObject(value)) fail(source, where, "expected a benchmark record object");
  const name = value.name;
  if (typeof name !== "string" || name === "") fail(source, `${where}.name`, "expected a non-empty string");
  const rec: Record<string, JsonValue> = { ...value };
  const str = (key: string, fallback: string): string => {
    const v = value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string") fail(source, `${where}.${key}`, "expected a string");
    return v;
  };
  rec.function = str("function", name);
  rec.description = str("description", "");
  rec.error_message = str("error_message", "");
  const occurred = value.error_occurred ?? false;
  if (typeof occurred !== "boolean") fail(source, `${where}.error_occurred`, "expected true or false");
  rec.error_occurred = occurred;
  const optional = (key: string, parse: (v: JsonValue, at: string) => JsonValue): void => {
    const v = value[key];
    if (v === undefined || v === null) delete rec[key];
    else rec[key] = parse(v, `${where}.${key}`);
  };
  optional("error_kind", (v, at) => (ERROR_KINDS.includes(v as ErrorKind) ? v : fail(source, at, `expected one of ${ERROR_KINDS.join(", ")}`)));
  const params = value.parameters ?? {};
  if (!isJsonObject(params)) fail(source, `${where}.parameters`, "expected an object");
  rec.parameters = params;
  if (value.value === undefined) delete rec.value;
  rec.time_ns = value.time_ns === undefined ? 0 : finiteNumber(value.time_ns, source, `${where}.time_ns`);
  optional("memory", (v, at) => parseMemory(v, source, at) as unknown as JsonObject);
  optional("samples_ns", (v, at) => {
    if (!Array.isArray(v)) fail(source, at, "expected an array of numbers");
    return v.map((x, i) => finiteNumber(x, source, `${at}[${i}]`));
  });
  optional("stats", (v, at) => parseStats(v, source, at) as unknown as JsonObject);
  optional("tags", (v, at) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : fail(source, at, "expected an array of strings")));
  return rec as unknown as BenchmarkRecord;
}

function parseHeader(value: JsonObject, source: string, where: string): Omit<ResultRow, "benchmark"> {
  const run = value.run;
  if (typeof run !== "string") fail(source, `${where}.run`, "expected the run name as a string");
  const context = value.context ?? {};
  if (!isJsonObject(context)) fail(source, `${where}.context`, "expected an object");
  const timestamp = value.timestamp === undefined ? 0 : finiteNumber(value.timestamp, source, `${where}.timestamp`);
  const header: Omit<ResultRow, "benchmark"> = { run, context, timestamp };
  if (value.partial !== undefined && value.partial !== null && value.partial !== false) {
    if (value.partial !== true) fail(source, `${where}.partial`, "expected true or false");
    header.partial = true;
  }
  return header;
}

/** Checks a whole result object (`{ run, context, benchmarks, timestamp }`). */
export function parseResult(value: unknown, source: string, where = "result"): BenchmarkResult {
  if (!isJsonObject(value)) fail(source, where, "expected a result object with run, context and benchmarks");
  const header = parseHeader(value, source, where);
  const list = value.benchmarks;
  if (!Array.isArray(list)) fail(source, `${where}.benchmarks`, "expected an array of benchmark records");
  const result: BenchmarkResult = {
    run: header.run,
    context: header.context,
    benchmarks: list.map((r, i) => parseRecord(r, source, `${where}.benchmarks[${i}]`)),
    timestamp: header.timestamp,
  };
  if (header.partial) result.partial = true;
  return result;
}

/** Decodes a field that record formats may hold either as JSON text or as the parsed value. */
function maybeJsonText(value: unknown, source: string, where: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    return fail(source, where, `invalid JSON text (${(err as Error).message})`);
  }
}

/**
 * Checks one stored row (`{ run, context, timestamp, benchmark }`). `context` and `benchmark` may be
 * JSON text, as Python nnbench writes them, or already-parsed objects.
 */
export function parseRow(value: unknown, source: string, where = "row"): ResultRow {
  if (!isJsonObject(value)) fail(source, where, "expected an object with run, context, timestamp and benchmark");
  const context = maybeJsonText(value.context ?? {}, source, `${where}.context`);
  const header = parseHeader({ ...value, context: context as JsonValue }, source, where);
  const bm = value.benchmark === undefined ? null : maybeJsonText(value.benchmark, source, `${where}.benchmark`);
  return { ...header, benchmark: bm === null ? null : parseRecord(bm, source, `${where}.benchmark`) };
}

/** Splits a result into one row per benchmark (one row with a null benchmark when there are none). */
export function resultToRows(result: BenchmarkResult): ResultRow[] {
  const header: Omit<ResultRow, "benchmark"> = {
    run: result.run,
    context: result.context,
    timestamp: result.timestamp,
  };
  if (result.partial) header.partial = true;
  if (result.benchmarks.length === 0) return [{ ...header, benchmark: null }];
  return result.benchmarks.map((b) => ({ ...header, benchmark: b }));
}

/**
 * Groups rows back into results: rows with the same run name and timestamp form one result, in the
 * order their first rows appear.
 */
export function rowsToResults(rows: Iterable<ResultRow>): BenchmarkResult[] {
  const byKey = new Map<string, BenchmarkResult>();
  for (const row of rows) {
    const key = `${row.run}\u0000${row.timestamp}`;
    let result = byKey.get(key);
    if (!result) {
      result = { run: row.run, context: row.context, benchmarks: [], timestamp: row.timestamp };
      byKey.set(key, result);
    }
    if (row.partial) result.partial = true;
    if (row.benchmark) result.benchmarks.push(row.benchmark);
  }
  return [...byKey.values()];
}

/** The result in Python nnbench's JSON key order, with `partial` only when set. */
export function resultToJson(result: BenchmarkResult): JsonObject {
  const out: JsonObject = {
    run: result.run,
    context: result.context,
    benchmarks: result.benchmarks as unknown as JsonValue[],
    timestamp: result.timestamp,
  };
  if (result.partial) out.partial = true;
  return out;
}

/** The row in Python nnbench's record shape: `context` and `benchmark` as JSON text. */
export function rowToJson(row: ResultRow): JsonObject {
  const out: JsonObject = {
    run: row.run,
    context: JSON.stringify(row.context),
    timestamp: row.timestamp,
    benchmark: row.benchmark === null ? null : JSON.stringify(row.benchmark),
  };
  if (row.partial) out.partial = true;
  return out;
}

/** A row of the runs table that database targets keep beside the records (see the SQLite reporter). */
export interface RunTableRow {
  id: number;
  run: unknown;
  timestamp: unknown;
  context: unknown;
  partial: boolean;
  benchmarks: number;
}

/**
 * Completes results read from a database's record rows with its runs table: marks the runs that were
 * partial and adds the runs that had no records at all.
 */
export function applyRunTable(results: BenchmarkResult[], runs: readonly RunTableRow[], source: string, table: string): void {
  for (const r of runs) {
    const found = results.find((x) => x.run === r.run && x.timestamp === r.timestamp);
    if (found) {
      if (r.partial) found.partial = true;
    } else if (r.benchmarks === 0) {
      const row = parseRow({ run: r.run, context: r.context, timestamp: r.timestamp, partial: r.partial, benchmark: null } as never, source, `${table} row ${r.id}`);
      results.push(...rowsToResults([row]));
    }
  }
}

/** The error for `?run=NAME` naming no run a database holds. */
export function noSuchRunError(source: string, run: string, runs: readonly string[]): ResultFormatError {
  return new ResultFormatError(source, `no run named ${JSON.stringify(run)}; runs: ${runs.join(", ") || "(none)"}`);
}
