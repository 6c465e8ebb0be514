/**
 * One benchmark's life: its memos load, setUp, warmup and timed calls, tearDown, eviction, and its record,
 * with its memory measured over all of it.
 */

import { MemoryLimitError } from "../errors.js";
import { isMemo, isMemoCached, setMemoBytes, cachedMemos, type Disposer, type Memo } from "../define/memo.js";
import { nativeMemory } from "../native/memory.js";
import { formatBytes } from "../text/units.js";
import type { Benchmark, BenchmarkRecord, ErrorKind, MemoryRecord, State } from "../types.js";
import { enforceMemoBudget } from "./eviction.js";
import { fullGc } from "./gc.js";
import type { Jsonifier } from "./jsonify.js";
import type { MemoryMeter } from "./memory.js";
import { memosOf, missingError, type Source } from "./plan.js";
import { buildRecord, recordParams, type RecordedError } from "./record.js";
import { TimeoutError } from "../errors.js";
import { timedCalls, type CallResults } from "./timed-calls.js";

/** The run-wide settings one benchmark uses. */
export interface RunOneOptions {
  readonly repeat?: number | undefined;
  readonly warmup?: number | undefined;
  readonly jsonifier?: Jsonifier | undefined;
  /** Measures the benchmark's memory. */
  readonly meter: MemoryMeter;
  /** RSS growth allowed for benchmarks without their own `memoryLimit`, in bytes. */
  readonly memoryLimit?: number | undefined;
  /** Kill the process as soon as RSS passes the limit (a child process: stopped before the machine swaps). */
  readonly killOverLimit?: boolean | undefined;
  /** RSS a benchmark may leave behind before it counts as retained, in bytes. */
  readonly leakTolerance: number;
  /** Make a benchmark that retains memory an error. */
  readonly failOnLeak?: boolean | undefined;
  /** Memo cache budget in bytes. */
  readonly maxMemoBytes?: number | undefined;
  readonly disposer?: Disposer | undefined;
  /** Whether a pending benchmark (of the current family first) still needs the memo. */
  readonly neededLater: (m: Memo<unknown>) => boolean;
}

/** A benchmark's record and the memos it used. */
export interface Outcome {
  readonly record: BenchmarkRecord;
  readonly memos: Set<Memo<unknown>>;
}

/** Evicts the memos the benchmark used that nothing later needs; runs inside the benchmark's measurement. */
export type Release = (memos: Set<Memo<unknown>>) => Promise<void>;

/** The message on stderr when a child process is killed over its memory limit. */
export const MEMORY_LIMIT_KILL_MESSAGE = "nnbench: memory limit exceeded";

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

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The parameter values a benchmark is given (defaults left to the function). */
function inputsOf(srcs: Map<string, Source>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [k, s] of srcs) if (s.from !== "default") inputs[k] = s.value;
  return inputs;
}

/** Memo sizes seen at their last load, for the cache budget before they load again. */
const knownBytes = new WeakMap<Memo<unknown>, number>();

/**
 * Loads the memos among `inputs` into `resolved` (in place), measuring what each new value costs (the
 * larger of its RSS and native growth) and keeping the memo cache within its budget. Returns the memos
 * this benchmark loaded.
 */
async function loadMemos(inputs: Record<string, unknown>, resolved: Record<string, unknown>, options: RunOneOptions): Promise<Set<Memo<unknown>>> {
  const loaded = new Set<Memo<unknown>>();
  const own = new Set<Memo<unknown>>(Object.values(inputs).filter(isMemo));
  for (const [k, v] of Object.entries(inputs)) {
    if (!isMemo(v)) continue;
    const fresh = !isMemoCached(v);
    // A memo never loaded before is expected to be like the ones cached now.
    if (fresh && options.maxMemoBytes !== undefined)
      await enforceMemoBudget(options.maxMemoBytes, knownBytes.get(v) ?? typicalCachedBytes(), own, options.neededLater, options.disposer);
    const rss0 = options.meter.rss();
    const native0 = nativeMemory().bytes;
    resolved[k] = await v.call();
    warnIfUncached(v);
    if (fresh && isMemoCached(v)) {
      const bytes = Math.max(options.meter.rss() - rss0, nativeMemory().bytes - native0, 0);
      setMemoBytes(v, bytes);
      knownBytes.set(v, bytes);
      loaded.add(v);
      // Larger than expected: make room now, before the benchmark runs.
      if (options.maxMemoBytes !== undefined) await enforceMemoBudget(options.maxMemoBytes, 0, own, options.neededLater, options.disposer);
    }
  }
  return loaded;
}

/** The mean size of the memo values cached now (0 when none is). */
function typicalCachedBytes(): number {
  const cached = cachedMemos();
  return cached.length === 0 ? 0 : cached.reduce((n, c) => n + c.bytes, 0) / cached.length;
}

function limitMessage(grown: number, limit: number): string {
  return `memory limit exceeded: RSS grew by ${formatBytes(grown)} (${grown} bytes) over the benchmark's start, limit ${formatBytes(limit)} (${limit} bytes)`;
}

/**
 * Runs setUp, warmup and timed calls and tearDown (even after an error) with `resolved` arguments;
 * returns the first error, never throws it.
 */
async function lifecycle(
  bm: Benchmark,
  inputs: Record<string, unknown>,
  options: RunOneOptions,
  missing: string | undefined,
  out: CallResults,
  limit: number | undefined,
  loaded: Set<Memo<unknown>>,
): Promise<RecordedError | undefined> {
  const state: State = Object.freeze({ name: bm.name, family: bm.family, familySize: bm.familySize, familyIndex: bm.familyIndex });
  const meter = options.meter;
  let error: RecordedError | undefined;
  const fail = (e: unknown, kind: ErrorKind = "error"): void => {
    error ??= { message: errorMessage(e), kind };
  };
  const checkLimit = (): void => {
    if (limit === undefined) return;
    const grown = meter.grownBytes();
    if (grown > limit) throw new MemoryLimitError(limitMessage(grown, limit), grown, limit);
  };
  const resolved: Record<string, unknown> = { ...inputs };
  let setUpDone = false;
  try {
    if (missing !== undefined) throw missingError(bm, bm.name, missing);
    for (const m of await loadMemos(inputs, resolved, options)) loaded.add(m);
    checkLimit();
    Object.freeze(resolved);
    meter.phase("setup");
    await bm.setUp?.(state, resolved);
    setUpDone = true;
    meter.phase("warmup");
    await timedCalls(bm, resolved, bm.warmup ?? options.warmup ?? 0, bm.repeat ?? options.repeat ?? 1, out, {
      onTimed: () => meter.phase("calls"),
      afterCall: checkLimit,
    });
  } catch (e) {
    fail(e, e instanceof TimeoutError ? "timeout" : e instanceof MemoryLimitError ? "memory_limit" : "error");
  } finally {
    meter.phase("teardown");
    try {
      if (setUpDone || error !== undefined) await bm.tearDown?.(state, resolved);
    } catch (e) {
      fail(e);
    }
  }
  return error;
}

/** Bytes held by memos this benchmark loaded that stay cached for later benchmarks. */
function stillCachedBytes(loaded: Set<Memo<unknown>>): number {
  let n = 0;
  for (const c of cachedMemos()) if (loaded.has(c.memo)) n += c.bytes;
  return n;
}

/**
 * Runs one benchmark: memos, setUp, warmup and timed calls, tearDown and `release` (eviction), measuring
 * its memory over all of it; never throws for the benchmark's errors.
 */
export async function runOne(bm: Benchmark, srcs: Map<string, Source>, options: RunOneOptions, missing: string | undefined, release: Release): Promise<Outcome> {
  const memos = memosOf(srcs);
  const inputs = inputsOf(srcs);
  const parameters = recordParams(bm, srcs, inputs, options.jsonifier);
  const calls: CallResults = { samples: [], value: undefined };
  const meter = options.meter;
  const limit = bm.memoryLimit ?? options.memoryLimit;
  const loaded = new Set<Memo<unknown>>();
  meter.begin();
  if (limit !== undefined && options.killOverLimit === true) meter.killAbove(limit, `${MEMORY_LIMIT_KILL_MESSAGE} by ${bm.name}`);
  let error = await lifecycle(bm, inputs, options, missing, calls, limit, loaded);
  meter.phase("eviction");
  try {
    await release(memos);
  } catch (e) {
    error ??= { message: `evicting a memo failed: ${errorMessage(e)}`, kind: "error" };
  }
  if (limit !== undefined && options.killOverLimit === true) meter.killAbove(0, "");
  // Memory left behind beyond the tolerance may be garbage not yet collected: collect before judging.
  const kept = (): number => meter.rss() - meter.startRss - stillCachedBytes(loaded);
  if (kept() > options.leakTolerance) await fullGc();
  const memory: MemoryRecord = meter.end();
  const retained = (memory.rss_end_bytes ?? 0) - meter.startRss - stillCachedBytes(loaded);
  if (retained > options.leakTolerance) {
    memory.retained_bytes = retained;
    if (options.failOnLeak === true)
      error ??= { message: `memory leak: ${formatBytes(retained)} (${retained} bytes) retained after tearDown, eviction and garbage collection`, kind: "error" };
  }
  const grown = (memory.rss_peak_bytes ?? 0) - (memory.rss_start_bytes ?? 0);
  if (limit !== undefined && grown > limit && (error === undefined || error.kind !== "memory_limit"))
    error = { message: limitMessage(grown, limit), kind: "memory_limit" };
  const record = buildRecord(bm, parameters, { error, samples: calls.samples, value: calls.value, memory }, options.jsonifier);
  return { record, memos };
}
