/**
 * The shapes of benchmark results. Records keep Python nnbench's snake_case keys because they are
 * the serialized form that files and databases exchange (see the README's "Result format").
 */

/** A value that survives `JSON.stringify` and `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Why a benchmark failed, when it did not simply throw. */
export type ErrorKind = "error" | "crash" | "oom" | "timeout" | "interrupted";

/** Native and JavaScript memory a benchmark used, measured around its call. */
export interface MemoryRecord {
  /** Peak native bytes held during the benchmark, memo loading included. */
  native_peak_bytes: number;
  /** Native bytes held after the benchmark minus before it. */
  native_delta_bytes: number;
  /** V8 heap used after minus before. */
  heap_used_delta_bytes: number;
  /** Peak resident set size of the process, where the OS reports it. */
  rss_peak_bytes?: number;
}

/** Summary statistics over timed samples, in nanoseconds. */
export interface SampleStats {
  min: number;
  max: number;
  mean: number;
  median: number;
  p75: number;
  p99: number;
  stddev: number;
}

/** One benchmark's outcome, in the serialized (snake_case) form shared with Python nnbench. */
export interface BenchmarkRecord {
  name: string;
  function: string;
  description: string;
  error_occurred: boolean;
  error_message: string;
  /** What failed, when `error_occurred`; absent in records written by Python nnbench. */
  error_kind?: ErrorKind;
  parameters: JsonObject;
  /** The benchmark function's return value, absent when it failed. */
  value?: JsonValue;
  /** Wall time of the timed call (the median when there are several samples). */
  time_ns: number;
  memory?: MemoryRecord;
  /** Every timed sample, when the benchmark ran more than once. */
  samples_ns?: number[];
  stats?: SampleStats;
  tags?: string[];
}

/** The outcome of one run: its name, the context it ran in and one record per benchmark. */
export interface BenchmarkResult {
  run: string;
  context: JsonObject;
  benchmarks: BenchmarkRecord[];
  /** Seconds since the Unix epoch when the run started. */
  timestamp: number;
  /** Present and true when the run was interrupted and holds only the benchmarks that finished. */
  partial?: boolean;
}
