/**
 * The shapes of benchmark results. Records keep Python nnbench's snake_case keys because they are
 * the serialized form that files and databases exchange (see the README's "Result format").
 */

/** A value that survives `JSON.stringify` and `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Why a benchmark failed, when it did not simply throw. */
export type ErrorKind = "error" | "crash" | "oom" | "timeout" | "interrupted" | "memory_limit";

/** One phase of a benchmark on its memory timeline. */
export interface MemoryTimelinePhase {
  name: "memo_load" | "setup" | "warmup" | "calls" | "teardown" | "eviction";
  start_ms: number;
  end_ms: number;
}

/** Memory samples over one benchmark, from memo loading to eviction (one entry per sample in each array). */
export interface MemoryTimelineRecord {
  interval_ms: number;
  /** Milliseconds from the benchmark's start. */
  t_ms: number[];
  rss_bytes: number[];
  native_bytes: number[];
  external_bytes: number[];
  phases: MemoryTimelinePhase[];
}

/**
 * Memory a benchmark used, measured from its memo loading through tearDown and eviction (see the
 * README's "Memory figures" for how each is measured and its limits).
 */
export interface MemoryRecord {
  /** Peak native bytes held by nnbench tensors during the benchmark (everything held at the time). */
  native_peak_bytes: number;
  /** Native bytes held after tearDown minus before the benchmark. */
  native_delta_bytes: number;
  /** V8 heap used after tearDown minus before the benchmark. */
  heap_used_delta_bytes: number;
  /** This benchmark's own peak resident set size of the process (absolute, not growth). */
  rss_peak_bytes?: number;
  /** RSS when the benchmark started (before its memos loaded). */
  rss_start_bytes?: number;
  /** RSS after tearDown, eviction and any garbage collection. */
  rss_end_bytes?: number;
  /** Peak of V8 external memory (ArrayBuffer backing stores included) seen during the benchmark. */
  external_peak_bytes?: number;
  /** Peak of the V8 heap used seen during the benchmark. */
  heap_peak_bytes?: number;
  /** `"hwm"`: the kernel's high-water mark, reset before the benchmark; `"sampled"`: the sampler's peak. */
  rss_method?: "hwm" | "sampled";
  /** RSS the benchmark left behind beyond the leak tolerance, after eviction and garbage collection. */
  retained_bytes?: number;
  /** Samples over the benchmark, with the `memoryTimeline` option. */
  timeline?: MemoryTimelineRecord;
}

/** The numeric fields of a record's `memory` object, in the order files lay them out. */
export const MEMORY_FIELDS = [
  "native_peak_bytes",
  "native_delta_bytes",
  "heap_used_delta_bytes",
  "rss_peak_bytes",
  "rss_start_bytes",
  "rss_end_bytes",
  "external_peak_bytes",
  "heap_peak_bytes",
  "retained_bytes",
] as const satisfies readonly (keyof MemoryRecord)[];

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

/** The fields of a record's `stats` object, in the order files lay them out. */
export const STATS_FIELDS = ["min", "max", "mean", "median", "p75", "p99", "stddev"] as const satisfies readonly (keyof SampleStats)[];

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
  /** The machine that measured it, in runs spread over workers (`nnbench run --queue`). */
  worker?: JsonObject;
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

/** Named parameter values as a benchmark or hook receives them. */
export type Params = Readonly<Record<string, unknown>>;

/** Where a benchmark stands in its family when it runs; handed to `setUp` and `tearDown`. */
export interface State {
  /** The benchmark's name, e.g. `accuracy_model=m1`. */
  readonly name: string;
  /** The family's name; a plain benchmark is a family of one and carries its own name. */
  readonly family: string;
  /** Members in the family, or -1 while unknown (a family fed by a one-shot iterator). */
  readonly familySize: number;
  /** This benchmark's position in its family, from 0. */
  readonly familyIndex: number;
}

/** A `setUp` or `tearDown` hook. It receives the benchmark's parameters with memos already resolved. */
export type Hook = (state: State, params: Params) => void | Promise<void>;

/** Options shared by `benchmark()`, `parametrize()` and `product()`. */
export interface CommonOptions {
  /** Runs before the benchmark (after its memos are loaded). */
  setUp?: Hook;
  /** Runs after the benchmark, also when it failed. */
  tearDown?: Hook;
  /** Labels for selecting benchmarks with `collect(path, { tags })` or `run(..., { tags })`. */
  tags?: readonly string[];
  /** Free text carried into the result record. */
  description?: string;
  /** Parameter names, for a function that does not destructure its first parameter. */
  params?: readonly string[];
  /** Timed calls per benchmark (default 1). With more than one, `time_ns` is the median. */
  repeat?: number;
  /** Untimed calls before the timed ones (default 0). */
  warmup?: number;
  /** Milliseconds after which an asynchronous benchmark is abandoned and recorded as a timeout. */
  timeout?: number;
  /**
   * Most RSS growth over the benchmark's start it may use, in bytes or as a string such as `"512MiB"`;
   * beyond it the benchmark is an error of kind `memory_limit`.
   */
  memoryLimit?: number | string;
}

/** Options of `benchmark()`. */
export interface BenchmarkOptions extends CommonOptions {
  /** The benchmark's name; defaults to the function's name. */
  name?: string;
}

/**
 * Options of `parametrize()` and `product()`. `name` is a template such as `"accuracy_{model}"`, a plain
 * prefix that replaces the function name in `fn_k1=v1_k2=v2`, or a function of the member's parameters.
 */
export interface FamilyOptions<P = Params> extends CommonOptions {
  name?: string | ((params: P) => string);
}

/** The function a benchmark times: it takes one object of named parameters. */
export type BenchmarkFunction = (params: Record<string, unknown>) => unknown;

/** Where a collected benchmark was defined. */
export interface BenchmarkOrigin {
  /** The absolute path of the file that exported it. */
  file: string;
  /** The directory or file `collect()` was given; fixture lookup stops there. */
  root: string;
}

/** The parameter names a benchmark function takes (read from its destructuring pattern). */
export interface ParamInterface {
  /** Every parameter name, in declaration order. */
  readonly names: readonly string[];
  /** The names without a default value: a run must supply them. */
  readonly required: readonly string[];
  /** Defaults that are plain literals (numbers, strings, booleans, null), recorded in results. */
  readonly defaults: Readonly<Record<string, JsonValue>>;
  /** True when the pattern has a `...rest` element, so the function accepts any further name. */
  readonly rest: boolean;
}

/** What a benchmark and a family share: the function, what it takes, and where it was collected from. */
export interface BenchmarkDefinition {
  readonly name: string;
  /** The benchmark function's own name. */
  readonly functionName: string;
  readonly fn: BenchmarkFunction;
  readonly description: string;
  readonly tags: readonly string[];
  /** What the function takes. */
  readonly interface: ParamInterface;
  /** Set by `collect()`. */
  origin: BenchmarkOrigin | undefined;
}

/** One benchmark: a function, the parameters bound to it, and how to run it. */
export interface Benchmark extends BenchmarkDefinition {
  readonly kind: "benchmark";
  /** Parameters fixed by the definition (a family member's values); memos are still unresolved. */
  readonly bound: Params;
  readonly setUp: Hook | undefined;
  readonly tearDown: Hook | undefined;
  readonly repeat: number | undefined;
  readonly warmup: number | undefined;
  readonly timeout: number | undefined;
  /** Bytes of RSS growth the benchmark may use (see `CommonOptions.memoryLimit`). */
  readonly memoryLimit: number | undefined;
  /** The family this benchmark belongs to (itself alone, for a plain benchmark). */
  readonly family: string;
  readonly familySize: number;
  readonly familyIndex: number;
}

/**
 * A family of benchmarks over one function, produced lazily: iterating it yields one member at a time,
 * so parameter sets from a generator are never all alive at once.
 */
export interface BenchmarkFamily extends BenchmarkDefinition, Iterable<Benchmark> {
  readonly kind: "family";
  /** The family's name (the function's name unless `name` is a plain prefix). */
  readonly name: string;
  /** Number of members, or -1 when the family is fed by a one-shot iterator (a generator). */
  readonly size: number;
  /** Parameter names every member binds, when known without producing members. */
  readonly keys: readonly string[] | undefined;
  /**
   * The members' bound parameters when they are known without running a generator (an array or a
   * product); undefined for a one-shot iterator. Used to plan memo eviction.
   */
  readonly paramSets: readonly Params[] | undefined;
}
