/**
 * Running benchmarks: parameters, fixtures and memos in, timed calls, memory figures and JSON records out.
 */

import { isBenchmark, isBenchmarkFamily } from "../define/benchmark.js";
import { isMemoCached, type Disposer, type Memo } from "../define/memo.js";
import { parseByteSize } from "../text/byte-size.js";
import type { Benchmark, BenchmarkFamily, BenchmarkRecord, BenchmarkResult, Params } from "../types.js";
import type { Runnable } from "./collect.js";
import { buildContext, type ContextInput } from "./context.js";
import { FixtureResolver } from "./fixtures.js";
import type { Jsonifier } from "./jsonify.js";
import { memosOf, missingRequired, plan, sources, type Plan } from "./plan.js";
import { evictAndCollect } from "./eviction.js";
import { collectBeforeRun } from "./gc.js";
import { MemoryMeter } from "./memory.js";
import { runOne, type RunOneOptions } from "./run-one.js";


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
  /** Frees evicted memo values instead of each memo's own `disposer` or the default dispose methods. */
  disposer?: Disposer;
  /** Milliseconds between memory samples (default 5). */
  memoryInterval?: number;
  /** Store each benchmark's memory samples and phases in `memory.timeline`. */
  memoryTimeline?: boolean;
  /**
   * RSS growth over its start that a benchmark may use (bytes, or a size such as `"512MiB"`) unless it sets
   * its own `memoryLimit`; beyond it the benchmark is an error of kind `memory_limit` and the run goes on.
   */
  memoryLimit?: number | string;
  /**
   * Kill the whole process as soon as a benchmark's RSS passes its limit, instead of recording the error
   * after the fact: for a child process that must stop before the machine swaps (`nnbench run -j/--isolate`).
   */
  killOverMemoryLimit?: boolean;
  /**
   * The garbage collection before the run: `"full"` (the default) collects everything, so that no garbage
   * from before the run is collected inside a benchmark; `"as-needed"` only when the heap and V8 external
   * memory have grown by a MiB or more since the last full collection nnbench made, for a process that
   * runs one short run after another with nothing else in between (`nnbench worker`'s child processes).
   */
  gcBeforeRun?: "full" | "as-needed";
  /**
   * Memo cache budget (bytes, or a size such as `"2GiB"`): before a memo loads, least recently used memos
   * that no pending benchmark needs are evicted (then others) until the cache, as measured when each value
   * loaded, fits.
   */
  maxMemoBytes?: number | string;
  /** RSS a benchmark may leave behind after eviction and GC before `memory.retained_bytes` reports it (default 16 MiB). */
  leakTolerance?: number | string;
  /** Make a benchmark that retains more than `leakTolerance` an error. */
  failOnLeak?: boolean;
}

const DEFAULT_LEAK_TOLERANCE = 16 * 1024 * 1024;

/** A run name for a run the user did not name: `nnbench-<UTC time>-<6 hex digits>`. */
export function generatedRunName(): string {
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

/** Checks the options `run()` validates before anything runs; returns the run parameters. */
function checkOptions(options: RunOptions): Params {
  const evict = options.evict ?? "auto";
  if (evict !== "auto" && evict !== "manual") throw new TypeError(`run(): evict must be "auto" or "manual", got ${String(evict)}`);
  const gc = options.gcBeforeRun ?? "full";
  if (gc !== "full" && gc !== "as-needed") throw new TypeError(`run(): gcBeforeRun must be "full" or "as-needed", got ${String(gc)}`);
  checkCount(options.repeat, "repeat", 1);
  checkCount(options.warmup, "warmup", 0);
  if (options.memoryInterval !== undefined && !(typeof options.memoryInterval === "number" && options.memoryInterval >= 0.1 && options.memoryInterval <= 60_000))
    throw new RangeError(`run(): memoryInterval must be a number of milliseconds from 0.1 to 60000, got ${String(options.memoryInterval)}`);
  if (options.disposer !== undefined && typeof options.disposer !== "function") throw new TypeError("run(): disposer must be a function");
  const runParams: Params = options.params ?? {};
  if (typeof runParams !== "object" || runParams === null) throw new TypeError("run(): params must be an object");
  return runParams;
}

/** The benchmarks and families to run, flattened, de-duplicated and filtered by tag. */
function selectItems(benchmarks: Runnable | Iterable<Runnable>, tags: readonly string[] | undefined): Runnable[] {
  const all: Runnable[] = [];
  flatten(isBenchmark(benchmarks) || isBenchmarkFamily(benchmarks) ? benchmarks : [...(benchmarks as Iterable<Runnable>)], all, new Set());
  return tags !== undefined && tags.length > 0 ? all.filter((b) => b.tags.some((t) => tags.includes(t))) : all;
}

/** Runs the planned items in order, evicting each memo after its last use. */
class ScheduleRunner {
  readonly records: BenchmarkRecord[] = [];
  /** Every memo a benchmark used. */
  readonly used = new Set<Memo<unknown>>();
  partial = false;
  private index = 0;
  private readonly evict: boolean;
  private readonly oneOptions: RunOneOptions;
  /** The item running now and, in a family, which memos its later members need. */
  private current: { itemIndex: number; laterInFamily: (m: Memo<unknown>) => boolean } = { itemIndex: -1, laterInFamily: () => false };

  constructor(
    private readonly schedule: Plan,
    private readonly runParams: Params,
    private readonly options: RunOptions,
    meter: MemoryMeter,
  ) {
    this.evict = (options.evict ?? "auto") === "auto";
    const bytes = (v: number | string | undefined, what: string): number | undefined => (v === undefined ? undefined : parseByteSize(v, `run(): ${what}`));
    this.oneOptions = {
      repeat: options.repeat,
      warmup: options.warmup,
      jsonifier: options.jsonifier,
      meter,
      memoryLimit: bytes(options.memoryLimit, "memoryLimit"),
      killOverLimit: options.killOverMemoryLimit,
      leakTolerance: bytes(options.leakTolerance, "leakTolerance") ?? DEFAULT_LEAK_TOLERANCE,
      failOnLeak: options.failOnLeak,
      maxMemoBytes: bytes(options.maxMemoBytes, "maxMemoBytes"),
      disposer: options.disposer,
      neededLater: (m) => this.current.laterInFamily(m) || (this.schedule.lastItem.get(m) ?? -1) > this.current.itemIndex,
    };
  }

  /** Runs every item; stops between benchmarks when the signal aborts. */
  async runAll(): Promise<void> {
    try {
      for (const [i, item] of this.schedule.items.entries()) {
        if (this.aborted()) return;
        if (isBenchmark(item)) {
          this.current = { itemIndex: i, laterInFamily: () => false };
          await this.runMember(item, item, i, (memos) => this.release(memos, i, () => false));
        } else if (!(await this.runFamily(item, i))) return;
      }
    } finally {
      if (this.evict)
        await evictAndCollect([...this.used].filter(isMemoCached), this.options.disposer).catch((e: unknown) =>
          process.emitWarning(`evicting memos after the run failed: ${e instanceof Error ? e.message : String(e)}`, { code: "NNBENCH_DISPOSE_FAILED" }),
        );
    }
  }

  /** Evicts (with `evict: "auto"`) the memos that nothing after item `itemIndex` needs. */
  private async release(memos: Set<Memo<unknown>>, itemIndex: number, laterInFamily: (m: Memo<unknown>) => boolean): Promise<void> {
    if (!this.evict) return;
    const done = [...memos].filter((m) => !laterInFamily(m) && (this.schedule.lastItem.get(m) ?? -1) <= itemIndex && isMemoCached(m));
    await evictAndCollect(done, this.options.disposer);
  }

  private aborted(): boolean {
    if (this.options.signal?.aborted !== true) return false;
    this.partial = true;
    return true;
  }

  private async runMember(item: Runnable, bm: Benchmark, itemIndex: number, release: (memos: Set<Memo<unknown>>) => Promise<void>): Promise<void> {
    const fx = this.schedule.fixtures.get(itemIndex);
    const srcs = sources(item, bm.bound, this.runParams, fx);
    const missing = missingRequired(item, bm.bound, this.runParams, fx);
    const info: BenchmarkStart = { name: bm.name, family: bm.family, familyIndex: bm.familyIndex, familySize: bm.familySize, index: this.index };
    this.options.onBenchmarkStart?.(info);
    const { record, memos } = await runOne(bm, srcs, this.oneOptions, missing, release);
    for (const m of memos) this.used.add(m);
    this.records.push(record);
    this.index++;
    this.options.onBenchmarkEnd?.(record, info);
  }

  /** Runs a family's members; false when the signal aborted it. */
  private async runFamily(family: BenchmarkFamily, i: number): Promise<boolean> {
    const perMember = this.schedule.lastMember.get(i);
    const it = family[Symbol.iterator]();
    let next = it.next();
    while (next.done !== true) {
      if (this.aborted()) {
        it.return?.();
        return false;
      }
      const bm = next.value;
      // Which memos later members need: known up front, or by looking one member ahead (which produces it).
      let upcoming: Set<Memo<unknown>> | undefined;
      const laterInFamily = (m: Memo<unknown>): boolean => {
        if (perMember !== undefined) return (perMember.get(m) ?? -1) > bm.familyIndex;
        if (upcoming === undefined) {
          next = it.next();
          upcoming = next.done === true ? new Set() : memosOf(sources(family, next.value.bound, this.runParams, this.schedule.fixtures.get(i)));
        }
        return upcoming.has(m);
      };
      this.current = { itemIndex: i, laterInFamily: perMember !== undefined ? laterInFamily : () => false };
      await this.runMember(family, bm, i, (memos) => this.release(memos, i, laterInFamily));
      if (upcoming === undefined) next = it.next();
    }
    return true;
  }
}

/**
 * Runs benchmarks and families and returns their records. Each benchmark gets its family values, then
 * `params`, then fixtures (and function defaults for the rest); its memos are loaded just before it runs.
 * A benchmark that throws (or whose memo, setUp or tearDown throws) is recorded with `error_occurred` and
 * the run goes on; tearDown runs even after an error. A required parameter that nothing supplies is a
 * `ParameterError` before anything runs (for a generator-fed family, whose members are unknown until
 * produced, it is recorded as that member's error instead).
 *
 * Memory: each benchmark is measured from its memo loading through tearDown and eviction. Its record's
 * `memory` has `rss_peak_bytes` (this benchmark's own peak RSS: on Linux the kernel's high-water mark,
 * reset before it; elsewhere the peak of a sampler thread), `rss_start_bytes`, `rss_end_bytes`,
 * `external_peak_bytes` and `heap_peak_bytes` (V8, read at phase changes and before each GC),
 * `native_peak_bytes` (nnbench tensors, exact), `native_delta_bytes` and `heap_used_delta_bytes` (after
 * tearDown minus before), `rss_method`, `retained_bytes` when the benchmark left memory behind, and with
 * `memoryTimeline` a `timeline` of samples and phases.
 *
 * With `evict: "auto"` a memo's value is evicted and disposed (see `disposeValue`; asynchronous disposal is
 * awaited) after the last benchmark that uses it, and when a value was more than nnbench tensors a full
 * garbage collection follows, so JavaScript-owned memory is returned before the next model loads. For a
 * family fed by a generator, members are produced one at a time, so the runner looks one member ahead: it
 * evicts a memo when the next member does not use it and no later benchmark or family known up front does.
 */
export async function run(benchmarks: Runnable | Iterable<Runnable>, options: RunOptions = {}): Promise<BenchmarkResult> {
  const runParams = checkOptions(options);
  const items = selectItems(benchmarks, options.tags);
  const timestamp = Math.floor(Date.now() / 1000);
  const context = await buildContext(options.context);
  const schedule = await plan(items, runParams, new FixtureResolver(runParams));
  // Garbage from before the run must not be collected inside a benchmark and offset its figures.
  await collectBeforeRun(options.gcBeforeRun ?? "full");
  using meter = new MemoryMeter({ ...(options.memoryInterval !== undefined ? { intervalMs: options.memoryInterval } : {}), timeline: options.memoryTimeline === true });
  const runner = new ScheduleRunner(schedule, runParams, options, meter);
  await runner.runAll();
  const result: BenchmarkResult = { run: options.name ?? generatedRunName(), context, benchmarks: runner.records, timestamp };
  if (runner.partial) result.partial = true;
  return result;
}
