/** `nnbench run`: collect benchmarks, run them (here or in child processes) and report the result. */
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import type { LoadedConfig } from "./config.js";
import { buildContext } from "../run/context.js";
import { ConsoleReporter } from "../reporter/console.js";
import { chartStyleFor } from "../text/charts.js";
import { displayTarget, getReporter } from "../reporter/target.js";
import { collect } from "../run/collect.js";
import { failedRecord } from "../run/record.js";
import { generatedRunName, run } from "../run/runner.js";
import type { BenchmarkRecord, BenchmarkResult, JsonObject } from "../types.js";
import { contextFromEntries } from "./context.js";
import type { Logger } from "./log.js";
import type { MemoryCommandOptions } from "./protocol.js";
import { heldNativeBytes, Progress, progressEnabled } from "./progress.js";
import type { ChildRunOptions } from "./protocol.js";
import { QueueSubmitter, type Granularity } from "./queue/submitter.js";
import { nnbenchVersion } from "./version.js";
import { WorkerPool } from "./workers.js";
import { UsageError } from "../errors.js";

/** Options of `nnbench run` as parsed from the command line. */
export interface RunCommandOptions {
  name?: string;
  tag: string[];
  context: string[];
  output: string[];
  jobs?: number;
  repeat?: number;
  warmup?: number;
  isolate: boolean;
  timeout?: number;
  /** Memory sampling, limits and budgets, passed to `run()` here or in each child. */
  memory?: MemoryCommandOptions;
  /** Draw charts under the console table also when standard output is not a terminal. */
  charts?: boolean;
  /** Run through the workers of this queue (`redis://host:port[/name]`) instead of on this machine. */
  queue?: string;
  /** With `queue`: one job per benchmark or family (default), or per family member. */
  granularity?: Granularity;
}

/** Exit codes of `nnbench run`. */
export const RUN_EXIT = { ok: 0, benchmarkFailed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

async function report(result: BenchmarkResult, targets: string[], log: Logger, charts = false): Promise<void> {
  if (targets.length === 0) {
    new ConsoleReporter(charts ? { charts: chartStyleFor(process.stdout, true) ?? "ascii" } : {}).display(result, process.stdout);
    return;
  }
  for (const target of targets) {
    await getReporter(target).write(result, target);
    log.info(`wrote ${result.benchmarks.length} benchmark records of run "${result.run}" to ${displayTarget(target)}`);
  }
}

/** The settings of one `nnbench run`: the command line over the configuration file. */
interface RunSettings {
  readonly jobs: number;
  readonly repeat: number | undefined;
  readonly warmup: number | undefined;
  readonly timeout: number | undefined;
  readonly targets: string[];
  readonly isolate: boolean;
  readonly tags: string[];
  readonly memory: MemoryCommandOptions;
  readonly charts: boolean;
  readonly queue: string | undefined;
  readonly granularity: Granularity;
}

function settingsOf(opts: RunCommandOptions, loaded: LoadedConfig): RunSettings {
  const cfg = loaded.config;
  return {
    jobs: opts.jobs ?? cfg.jobs ?? 1,
    repeat: opts.repeat ?? cfg.repeat,
    warmup: opts.warmup ?? cfg.warmup,
    timeout: opts.timeout ?? cfg.timeout,
    targets: opts.output.length > 0 ? opts.output : cfg.output ? [cfg.output] : [],
    isolate: opts.isolate,
    tags: opts.tag,
    memory: opts.memory ?? {},
    charts: opts.charts === true,
    queue: opts.queue,
    granularity: opts.granularity ?? "family",
  };
}

/** The run's identity, fixed before it starts, and what it has done so far (for a partial result). */
interface RunState {
  readonly name: string;
  readonly context: JsonObject;
  readonly timestamp: number;
  readonly progress: Progress;
  /** Records finished in this process. */
  readonly finished: BenchmarkRecord[];
  /** Benchmarks running in this process. */
  readonly running: Set<string>;
  pool?: WorkerPool | QueueSubmitter;
}

/**
 * Ctrl-C or SIGTERM: keep what finished, mark the run partial, write it and leave.
 * Returns a function that removes the handlers, and tells whether a signal arrived.
 */
function onInterrupt(state: RunState, targets: string[], log: Logger, charts: boolean): { interrupted: () => boolean; remove: () => void } {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    // A queued run first takes its waiting jobs back from the queue.
    void Promise.resolve(state.pool?.stop())
      .catch(() => undefined)
      .then(() => writePartial(signal));
  };
  const writePartial = (signal: NodeJS.Signals): void => {
    const { pool } = state;
    state.progress.clear();
    const records = pool ? pool.records() : [...state.finished];
    const still = pool ? pool.running() : [...state.running];
    const partial: BenchmarkResult = {
      run: state.name,
      context: state.context,
      benchmarks: [...records, ...still.map((n) => failedRecord(n, "interrupted", `interrupted by ${signal} before it finished`))],
      timestamp: state.timestamp,
      partial: true,
    };
    log.warn(`interrupted by ${signal}: writing the ${records.length} finished benchmark records as a partial result`);
    const code = signal === "SIGINT" ? RUN_EXIT.interrupted : RUN_EXIT.terminated;
    report(partial, targets, log, charts).then(
      () => process.exit(code),
      (err: unknown) => {
        log.error(`could not write the partial result: ${(err as Error).message}`);
        process.exit(code);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    interrupted: () => interrupted,
    remove: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

function childOptions(s: RunSettings): ChildRunOptions {
  return { tags: s.tags, ...(s.repeat !== undefined ? { repeat: s.repeat } : {}), ...(s.warmup !== undefined ? { warmup: s.warmup } : {}), memory: s.memory };
}

/** Runs the benchmarks of `target` through the workers of the queue `queue`. */
async function runThroughQueue(target: string, root: string, queue: string, s: RunSettings, state: RunState, log: Logger): Promise<BenchmarkResult> {
  const { progress } = state;
  const submitter = new QueueSubmitter({
    queue,
    granularity: s.granularity,
    ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
    options: childOptions(s),
    version: nnbenchVersion(),
    log,
    onStart: (n) => progress.start(n, 0),
    onEnd: (r, worker) => progress.end(r.name, r.error_occurred, 0, worker),
  });
  state.pool = submitter;
  const items = await submitter.list(target);
  progress.total = items.some((i) => i.size < 0) ? undefined : items.reduce((n, i) => n + i.size, 0);
  log.debug(`running ${items.length} benchmarks and families through the queue`);
  const benchmarks = await submitter.run(items, root);
  return { run: state.name, context: state.context, benchmarks, timestamp: state.timestamp };
}

/** Runs the benchmarks of `target` in child processes. */
async function runInChildren(target: string, root: string, s: RunSettings, state: RunState, log: Logger): Promise<BenchmarkResult> {
  const { progress } = state;
  const pool = new WorkerPool({
    jobs: s.jobs,
    isolate: s.isolate,
    ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
    options: childOptions(s),
    log,
    onStart: (n, bytes) => progress.start(n, bytes),
    onEnd: (r, bytes) => progress.end(r.name, r.error_occurred, bytes),
    onMemory: (bytes) => progress.memory(bytes),
  });
  state.pool = pool;
  const items = await pool.list(target);
  progress.total = items.some((i) => i.size < 0) ? undefined : items.reduce((n, i) => n + i.size, 0);
  log.debug(`running ${items.length} benchmarks and families in child processes (${s.jobs} at a time${s.isolate ? ", isolated" : ""})`);
  const benchmarks = await pool.run(items, root);
  return { run: state.name, context: state.context, benchmarks, timestamp: state.timestamp };
}

/** Runs the benchmarks of `target` in this process. */
async function runHere(target: string, s: RunSettings, state: RunState): Promise<BenchmarkResult> {
  const { progress, running, finished } = state;
  const items = await collect(target, { tags: s.tags });
  progress.total = items.every((i) => i.kind !== "family" || i.size >= 0)
    ? items.reduce((n, i) => n + (i.kind === "family" ? i.size : 1), 0)
    : undefined;
  const memoryTimer = setInterval(() => progress.memory(heldNativeBytes()), 250);
  memoryTimer.unref();
  try {
    const result = await run(items, {
      name: state.name,
      context: state.context,
      ...(s.repeat !== undefined ? { repeat: s.repeat } : {}),
      ...(s.warmup !== undefined ? { warmup: s.warmup } : {}),
      ...s.memory,
      onBenchmarkStart: (info) => {
        running.add(info.name);
        progress.start(info.name, heldNativeBytes());
      },
      onBenchmarkEnd: (record) => {
        running.delete(record.name);
        finished.push(record);
        progress.end(record.name, record.error_occurred, heldNativeBytes());
      },
    });
    return { ...result, timestamp: state.timestamp };
  } finally {
    clearInterval(memoryTimer);
  }
}

/** The exit code for a finished result, after warning about the benchmarks that failed. */
function exitCodeOf(result: BenchmarkResult, log: Logger): number {
  const failed = result.benchmarks.filter((b) => b.error_occurred);
  if (failed.length === 0) return RUN_EXIT.ok;
  log.warn(`${failed.length} of ${result.benchmarks.length} benchmarks failed: ${failed.map((b) => b.name).join(", ")}`);
  return RUN_EXIT.benchmarkFailed;
}

/** Runs `nnbench run` and returns its exit code. */
export async function runCommand(target: string, opts: RunCommandOptions, loaded: LoadedConfig, log: Logger): Promise<number> {
  const s = settingsOf(opts, loaded);
  for (const t of s.targets) getReporter(t); // reject an unknown target before spending time on a run
  if (!existsSync(target)) throw new UsageError(`no such benchmark file or directory: ${target}`);
  const root = path.resolve(statSync(target).isDirectory() ? target : path.dirname(target));

  const state: RunState = {
    context: await buildContext(await contextFromEntries([...(loaded.config.context ?? []), ...opts.context], loaded)),
    name: opts.name ?? generatedRunName(),
    timestamp: Math.floor(Date.now() / 1000),
    progress: new Progress(process.stderr, progressEnabled(process.stderr)),
    finished: [],
    running: new Set(),
  };
  const signals = onInterrupt(state, s.targets, log, s.charts);
  let result: BenchmarkResult;
  try {
    const useChildren = s.jobs > 1 || s.isolate || s.timeout !== undefined;
    if (s.queue !== undefined) result = await runThroughQueue(target, root, s.queue, s, state, log);
    else result = useChildren ? await runInChildren(target, root, s, state, log) : await runHere(target, s, state);
  } finally {
    state.progress.clear();
  }
  if (signals.interrupted()) return new Promise<number>(() => undefined); // the signal handler exits
  signals.remove();
  await report(result, s.targets, log, s.charts);
  return exitCodeOf(result, log);
}
