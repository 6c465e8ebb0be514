/**
 * Running benchmarks: parameters, fixtures and memos in, timed calls, memory figures and JSON records out.
 */

import { randomBytes } from "node:crypto";
import { isBenchmark, isBenchmarkFamily } from "../define/benchmark.js";
import { evictMemo, isMemoCached, type Memo } from "../define/memo.js";
import type { Benchmark, BenchmarkFamily, BenchmarkRecord, BenchmarkResult, Params } from "../types.js";
import type { Runnable } from "./collect.js";
import { buildContext, type ContextInput } from "./context.js";
import { FixtureResolver } from "./fixtures.js";
import type { Jsonifier } from "./jsonify.js";
import { memosOf, missingRequired, plan, sources, type Plan } from "./plan.js";
import { runOne } from "./run-one.js";

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
  return `nnbench-${t}-${randomBytes(3).toString("hex")}`;
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
  checkCount(options.repeat, "repeat", 1);
  checkCount(options.warmup, "warmup", 0);
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

  constructor(
    private readonly schedule: Plan,
    private readonly runParams: Params,
    private readonly options: RunOptions,
  ) {
    this.evict = (options.evict ?? "auto") === "auto";
  }

  /** Runs every item; stops between benchmarks when the signal aborts. */
  async runAll(): Promise<void> {
    try {
      for (const [i, item] of this.schedule.items.entries()) {
        if (this.aborted()) return;
        if (isBenchmark(item)) {
          const memos = await this.runMember(item, item, i);
          for (const m of memos) this.maybeEvict(m, i, false);
        } else if (!(await this.runFamily(item, i))) return;
      }
    } finally {
      if (this.evict) for (const m of this.used) if (isMemoCached(m)) evictMemo(m);
    }
  }

  private aborted(): boolean {
    if (this.options.signal?.aborted !== true) return false;
    this.partial = true;
    return true;
  }

  private maybeEvict(m: Memo<unknown>, itemIndex: number, stillNeeded: boolean): void {
    if (!this.evict || stillNeeded) return;
    if ((this.schedule.lastItem.get(m) ?? -1) > itemIndex) return;
    evictMemo(m);
  }

  private async runMember(item: Runnable, bm: Benchmark, itemIndex: number): Promise<Set<Memo<unknown>>> {
    const fx = this.schedule.fixtures.get(itemIndex);
    const srcs = sources(item, bm.bound, this.runParams, fx);
    const missing = missingRequired(item, bm.bound, this.runParams, fx);
    const info: BenchmarkStart = { name: bm.name, family: bm.family, familyIndex: bm.familyIndex, familySize: bm.familySize, index: this.index };
    this.options.onBenchmarkStart?.(info);
    const { record, memos } = await runOne(bm, srcs, this.options, missing);
    for (const m of memos) this.used.add(m);
    this.records.push(record);
    this.index++;
    this.options.onBenchmarkEnd?.(record, info);
    return memos;
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
      const memos = await this.runMember(family, bm, i);
      // Look one member ahead (this produces it) before deciding what to evict.
      next = it.next();
      const upcoming =
        next.done === true ? new Set<Memo<unknown>>() : memosOf(sources(family, next.value.bound, this.runParams, this.schedule.fixtures.get(i)));
      for (const m of memos) {
        const laterInFamily = perMember !== undefined ? (perMember.get(m) ?? -1) > bm.familyIndex : upcoming.has(m);
        this.maybeEvict(m, i, laterInFamily);
      }
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
  const runParams = checkOptions(options);
  const items = selectItems(benchmarks, options.tags);
  const timestamp = Math.floor(Date.now() / 1000);
  const context = await buildContext(options.context);
  const schedule = await plan(items, runParams, new FixtureResolver(runParams));
  const runner = new ScheduleRunner(schedule, runParams, options);
  await runner.runAll();
  const result: BenchmarkResult = { run: options.name ?? generatedRunName(), context, benchmarks: runner.records, timestamp };
  if (runner.partial) result.partial = true;
  return result;
}
