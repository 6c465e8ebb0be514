/**
 * Running benchmarks: parameters, fixtures and memos in, timed calls, memory figures and JSON records out.
 */

import { isBenchmark, isBenchmarkFamily, ParameterError } from "../define/benchmark.js";
import type { Runnable } from "./collect.js";
import { buildContext, type ContextInput } from "./context.js";
import { FixtureResolver } from "./fixtures.js";
import { jsonifyParams, toJsonValue, type Jsonifier } from "./jsonify.js";
import { evictMemo, isMemo, isMemoCached, type Memo } from "../define/memo.js";
import { nativeMemory, resetNativePeak } from "../native/index.js";
import { median, summarize } from "../stats/summary.js";
import type { Benchmark, BenchmarkFamily, BenchmarkRecord, BenchmarkResult, ErrorKind, JsonObject, Params, State } from "../types.js";

export { collect, CollectError, type CollectOptions, type Runnable } from "./collect.js";

/** Passed to `onBenchmarkStart`: which benchmark is about to run. */
export interface BenchmarkStart {
  readonly name: string;
  readonly family: string;
  readonly familyIndex: number;
  readonly familySize: number;
  /** Position of the benchmark in the whole run, from 0. */
  readonly index: number;
}

/** Options of `run()`. */
export interface RunOptions {
  /** The run's name; defaults to a generated `nnbench-<time>-<hex>`. */
  name?: string;
  /** Parameter values for every benchmark that takes them (family values take precedence). */
  params?: Params;
  /** Context metadata: an object, or context providers (see `system`, `CPUInfo`, ...). */
  context?: ContextInput;
  /** Per-type JSON conversion for parameters and values. */
  jsonifier?: Jsonifier;
  /**
   * `"auto"` (default): evict (and dispose) each memo's value right after the last benchmark of the run
   * that uses it. `"manual"`: leave memo values cached.
   */
  evict?: "auto" | "manual";
  /** Timed calls for benchmarks that do not set `repeat` themselves (default 1). */
  repeat?: number;
  /** Untimed calls for benchmarks that do not set `warmup` themselves (default 0). */
  warmup?: number;
  /** Run only benchmarks and families with at least one of these tags. */
  tags?: readonly string[];
  /** Stops the run between benchmarks; the result then holds the finished records and `partial: true`. */
  signal?: AbortSignal;
  /** Called before each benchmark. */
  onBenchmarkStart?: (info: BenchmarkStart) => void;
  /** Called with each finished record. */
  onBenchmarkEnd?: (record: BenchmarkRecord, info: BenchmarkStart) => void;
}

function generatedRunName(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  // A suffix against clashes within the second, not a secret: no need to load node:crypto for it.
  return `nnbench-${t}-${Math.floor(Math.random() * 0x100_0000).toString(16).padStart(6, "0")}`;
}

function checkCount(v: unknown, key: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new RangeError(`run(): ${key} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function flatten(input: unknown, out: Runnable[], seen: Set<unknown>): void {
  if (isBenchmark(input) || isBenchmarkFamily(input)) {
    if (!seen.has(input)) {
      seen.add(input);
      out.push(input);
    }
    return;
  }
  if (Array.isArray(input)) {
    for (const v of input) flatten(v, out, seen);
    return;
  }
  throw new TypeError("run() takes benchmarks and benchmark families (as returned by benchmark(), parametrize(), product() or collect())");
}

function has(o: Params, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Where a benchmark's parameter comes from. */
type Source = { from: "bound" | "run" | "fixture"; value: unknown } | { from: "default" };

interface Plan {
  readonly items: Runnable[];
  /** For each memo statically known to be used, the last item index that uses it. */
  readonly lastItem: Map<Memo<unknown>, number>;
  /** For families with known members: per item, memo -> last member index. */
  readonly lastMember: Map<number, Map<Memo<unknown>, number>>;
  /** Fixture values by item index and name. */
  readonly fixtures: Map<number, Map<string, unknown>>;
}

function interfaceNames(item: Runnable): readonly string[] {
  return item.interface.names;
}

/** Works out where each parameter of a benchmark (given its bound values) comes from. */
function sources(item: Runnable, bound: Params, runParams: Params, fixtures: Map<string, unknown> | undefined): Map<string, Source> {
  const out = new Map<string, Source>();
  const names = new Set([...interfaceNames(item), ...Object.keys(bound)]);
  if (item.interface.rest) for (const k of Object.keys(runParams)) names.add(k);
  for (const name of names) {
    if (has(bound, name)) out.set(name, { from: "bound", value: bound[name] });
    else if (has(runParams, name)) out.set(name, { from: "run", value: runParams[name] });
    else if (fixtures?.has(name) === true) out.set(name, { from: "fixture", value: fixtures.get(name) });
    else out.set(name, { from: "default" });
  }
  return out;
}

function memosOf(srcs: Map<string, Source>): Set<Memo<unknown>> {
  const out = new Set<Memo<unknown>>();
  for (const s of srcs.values()) if (s.from !== "default" && isMemo(s.value)) out.add(s.value);
  return out;
}

function missingRequired(item: Runnable, bound: Params, runParams: Params, fixtures: Map<string, unknown> | undefined): string | undefined {
  for (const name of item.interface.required) {
    if (!has(bound, name) && !has(runParams, name) && fixtures?.has(name) !== true) return name;
  }
  return undefined;
}

function missingError(item: Runnable, benchmarkName: string, name: string): ParameterError {
  return new ParameterError(
    `benchmark ${benchmarkName} requires parameter ${JSON.stringify(name)}, which no family value, run parameter ` +
      `or fixture${item.origin ? ` (conf.* files from ${item.origin.file} up to ${item.origin.root})` : ""} supplies`,
    name,
    benchmarkName,
    "ERR_MISSING_PARAMETER",
  );
}

/** Checks parameters, resolves fixtures and computes when each memo is used for the last time. */
async function plan(items: Runnable[], runParams: Params, resolver: FixtureResolver): Promise<Plan> {
  const lastItem = new Map<Memo<unknown>, number>();
  const lastMember = new Map<number, Map<Memo<unknown>, number>>();
  const fixtures = new Map<number, Map<string, unknown>>();
  const taken = new Set<string>();
  let takesAll = false;

  for (const [i, item] of items.entries()) {
    for (const n of interfaceNames(item)) taken.add(n);
    if (item.interface.rest) takesAll = true;
    // Bound names per member, where known without producing members.
    const sets: readonly Params[] | undefined = isBenchmark(item) ? [item.bound] : item.paramSets;
    const boundKeys = new Set<string>();
    if (sets !== undefined) for (const s of sets) for (const k of Object.keys(s)) boundKeys.add(k);
    if (isBenchmarkFamily(item) && sets === undefined && item.keys !== undefined) for (const k of item.keys) boundKeys.add(k);
    // Fixtures for every name that no member binds and no run parameter gives.
    const fx = new Map<string, unknown>();
    for (const name of item.interface.names) {
      if (boundKeys.has(name) && sets !== undefined && sets.every((s) => has(s, name))) continue;
      if (has(runParams, name)) continue;
      const r = await resolver.resolve(name, item.origin);
      if (r.found) fx.set(name, r.value);
    }
    fixtures.set(i, fx);
    if (sets !== undefined) {
      const perMember = new Map<Memo<unknown>, number>();
      for (const [j, s] of sets.entries()) {
        const label = isBenchmark(item) ? item.name : `${item.name}[${j}]`;
        const missing = missingRequired(item, s, runParams, fx);
        if (missing !== undefined) throw missingError(item, label, missing);
        for (const m of memosOf(sources(item, s, runParams, fx))) {
          lastItem.set(m, i);
          perMember.set(m, j);
        }
      }
      lastMember.set(i, perMember);
    } else {
      // A one-shot family: members are unknown until produced; run parameters and fixtures it may take count.
      for (const name of item.interface.names) {
        const v = has(runParams, name) ? runParams[name] : fx.get(name);
        if (isMemo(v)) lastItem.set(v, i);
      }
    }
  }
  if (!takesAll) {
    for (const k of Object.keys(runParams)) {
      if (!taken.has(k))
        process.emitWarning(`run parameter ${JSON.stringify(k)} is not taken by any benchmark`, { code: "NNBENCH_UNUSED_PARAMETER" });
    }
  }
  return { items, lastItem, lastMember, fixtures };
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

class TimeoutError extends Error {}

async function awaitWithTimeout(p: Promise<unknown>, ms: number | undefined): Promise<unknown> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  p.catch(() => undefined); // an abandoned call must not become an unhandled rejection
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as { then?: unknown }).then === "function";
}

const warnedUncached = new WeakSet<object>();

/** A memo whose `call()` is not decorated with `@cachedMemo` recomputes its value for every benchmark. */
function warnIfUncached(m: Memo<unknown>): void {
  if (isMemoCached(m)) return;
  const cls = Object.getPrototypeOf(m) as object;
  if (warnedUncached.has(cls)) return;
  warnedUncached.add(cls);
  process.emitWarning(
    `memo ${m.constructor.name}: call() is not decorated with @cachedMemo, so its value is computed again for ` +
      `every benchmark and the runner cannot evict it`,
    { code: "NNBENCH_UNCACHED_MEMO" },
  );
}

interface Outcome {
  record: BenchmarkRecord;
  memos: Set<Memo<unknown>>;
}

/** Runs one benchmark: memos, setUp, warmup and timed calls, tearDown; never throws for the benchmark's errors. */
async function runOne(bm: Benchmark, srcs: Map<string, Source>, options: RunOptions, missing: string | undefined): Promise<Outcome> {
  const memos = memosOf(srcs);
  const inputs: Record<string, unknown> = {};
  for (const [k, s] of srcs) if (s.from !== "default") inputs[k] = s.value;
  const recordParams: JsonObject = { ...bm.interface.defaults, ...jsonifyParams(inputs, options.jsonifier) };
  for (const [k, s] of srcs) if (s.from === "default" && !has(bm.interface.defaults, k)) delete recordParams[k];

  const state: State = Object.freeze({ name: bm.name, family: bm.family, familySize: bm.familySize, familyIndex: bm.familyIndex });
  const repeat = bm.repeat ?? options.repeat ?? 1;
  const warmup = bm.warmup ?? options.warmup ?? 0;

  let error: { message: string; kind: ErrorKind } | undefined;
  const fail = (e: unknown, kind: ErrorKind = "error"): void => {
    error ??= { message: errorMessage(e), kind };
  };
  const samples: number[] = [];
  let value: unknown;

  const heapBefore = process.memoryUsage().heapUsed;
  const nativeBefore = nativeMemory().bytes;
  resetNativePeak();

  const resolved: Record<string, unknown> = { ...inputs };
  let setUpDone = false;
  try {
    if (missing !== undefined) throw missingError(bm, bm.name, missing);
    for (const [k, v] of Object.entries(inputs)) {
      if (!isMemo(v)) continue;
      resolved[k] = await v.call();
      warnIfUncached(v);
    }
    Object.freeze(resolved);
    await bm.setUp?.(state, resolved);
    setUpDone = true;
    const call = async (timed: boolean): Promise<void> => {
      const t0 = process.hrtime.bigint();
      try {
        let r = bm.fn(resolved);
        if (isPromiseLike(r)) r = await awaitWithTimeout(Promise.resolve(r), bm.timeout);
        value = r;
      } finally {
        if (timed) samples.push(Number(process.hrtime.bigint() - t0));
      }
    };
    for (let w = 0; w < warmup; w++) await call(false);
    for (let n = 0; n < repeat; n++) await call(true);
  } catch (e) {
    fail(e, e instanceof TimeoutError ? "timeout" : "error");
  } finally {
    try {
      if (setUpDone || error !== undefined) await bm.tearDown?.(state, resolved);
    } catch (e) {
      fail(e);
    }
  }
  const after = nativeMemory();
  const record: BenchmarkRecord = {
    name: bm.name,
    function: bm.functionName,
    description: bm.description,
    error_occurred: error !== undefined,
    error_message: error?.message ?? "",
    ...(error !== undefined ? { error_kind: error.kind } : {}),
    parameters: recordParams,
    ...(error === undefined ? { value: toJsonValue(value, "value", options.jsonifier) } : {}),
    time_ns: samples.length === 0 ? 0 : samples.length === 1 ? samples[0]! : median(samples),
    memory: {
      native_peak_bytes: after.peakBytes,
      native_delta_bytes: after.bytes - nativeBefore,
      heap_used_delta_bytes: process.memoryUsage().heapUsed - heapBefore,
      rss_peak_bytes: process.resourceUsage().maxRSS * 1024,
    },
  };
  if (samples.length > 1) {
    record.samples_ns = samples;
    record.stats = summarize(samples);
  }
  if (bm.tags.length > 0) record.tags = [...bm.tags];
  return { record, memos };
}

/**
 * Runs benchmarks and families and returns their records. Each benchmark gets its family values, then
 * `params`, then fixtures (and function defaults for the rest); its memos are loaded just before it runs.
 * A benchmark that throws (or whose memo, setUp or tearDown throws) is recorded with `error_occurred` and
 * the run goes on; tearDown runs even after an error. A required parameter that nothing supplies is a
 * `ParameterError` before anything runs (for a generator-fed family, whose members are unknown until
 * produced, it is recorded as that member's error instead).
 *
 * Memory: every record has `memory.native_peak_bytes`, the peak of native memory held while the benchmark
 * ran, memo loading included (`run()` resets the native peak counter before each benchmark, and the figure
 * counts everything held at the time, not only what this benchmark allocated); `native_delta_bytes` and
 * `heap_used_delta_bytes`, measured after tearDown and before automatic eviction (so a model that stays
 * cached shows in the delta); and `rss_peak_bytes`, the process's resident-set high-water mark so far
 * (`process.resourceUsage().maxRSS`: it never decreases, so it is not a per-benchmark figure).
 *
 * With `evict: "auto"` a memo's value is evicted and disposed after the last benchmark that uses it. For a
 * family fed by a generator, members are produced one at a time, so the runner looks one member ahead: it
 * evicts a memo when the next member does not use it and no later benchmark or family known up front does.
 */
export async function run(benchmarks: Runnable | Iterable<Runnable>, options: RunOptions = {}): Promise<BenchmarkResult> {
  const evict = options.evict ?? "auto";
  if (evict !== "auto" && evict !== "manual") throw new TypeError(`run(): evict must be "auto" or "manual", got ${String(evict)}`);
  checkCount(options.repeat, "repeat", 1);
  checkCount(options.warmup, "warmup", 0);
  const runParams: Params = options.params ?? {};
  if (typeof runParams !== "object" || runParams === null) throw new TypeError("run(): params must be an object");

  const all: Runnable[] = [];
  flatten(isBenchmark(benchmarks) || isBenchmarkFamily(benchmarks) ? benchmarks : [...(benchmarks as Iterable<Runnable>)], all, new Set());
  const tags = options.tags;
  const items = tags !== undefined && tags.length > 0 ? all.filter((b) => b.tags.some((t) => tags.includes(t))) : all;

  const timestamp = Math.floor(Date.now() / 1000);
  const context = await buildContext(options.context);
  const resolver = new FixtureResolver(runParams);
  const schedule = await plan(items, runParams, resolver);

  const records: BenchmarkRecord[] = [];
  const used = new Set<Memo<unknown>>();
  let partial = false;
  let index = 0;

  const maybeEvict = (m: Memo<unknown>, itemIndex: number, stillNeeded: boolean): void => {
    if (evict !== "auto" || stillNeeded) return;
    if ((schedule.lastItem.get(m) ?? -1) > itemIndex) return;
    evictMemo(m);
  };

  const runMember = async (item: Runnable, bm: Benchmark, itemIndex: number): Promise<Set<Memo<unknown>>> => {
    const fx = schedule.fixtures.get(itemIndex);
    const srcs = sources(item, bm.bound, runParams, fx);
    const missing = missingRequired(item, bm.bound, runParams, fx);
    const info: BenchmarkStart = { name: bm.name, family: bm.family, familyIndex: bm.familyIndex, familySize: bm.familySize, index };
    options.onBenchmarkStart?.(info);
    const { record, memos } = await runOne(bm, srcs, options, missing);
    for (const m of memos) used.add(m);
    records.push(record);
    index++;
    options.onBenchmarkEnd?.(record, info);
    return memos;
  };

  try {
    outer: for (const [i, item] of items.entries()) {
      if (isAborted(options.signal)) {
        partial = true;
        break;
      }
      if (isBenchmark(item)) {
        const memos = await runMember(item, item, i);
        for (const m of memos) maybeEvict(m, i, false);
        continue;
      }
      const family: BenchmarkFamily = item;
      const perMember = schedule.lastMember.get(i);
      const it = family[Symbol.iterator]();
      let next = it.next();
      while (next.done !== true) {
        if (isAborted(options.signal)) {
          partial = true;
          it.return?.();
          break outer;
        }
        const bm = next.value;
        const memos = await runMember(family, bm, i);
        // Look one member ahead (this produces it) before deciding what to evict.
        next = it.next();
        const upcoming =
          next.done === true ? new Set<Memo<unknown>>() : memosOf(sources(family, next.value.bound, runParams, schedule.fixtures.get(i)));
        for (const m of memos) {
          const laterInFamily = perMember !== undefined ? (perMember.get(m) ?? -1) > bm.familyIndex : upcoming.has(m);
          maybeEvict(m, i, laterInFamily);
        }
      }
    }
  } finally {
    if (evict === "auto") for (const m of used) if (isMemoCached(m)) evictMemo(m);
  }

  const result: BenchmarkResult = { run: options.name ?? generatedRunName(), context, benchmarks: records, timestamp };
  if (partial) result.partial = true;
  return result;
}

