/** `nnbench run`: collect benchmarks, run them (here or in child processes) and report the result. */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import type { LoadedConfig } from "./config.js";
import { buildContext } from "../run/context.js";
import { nativeMemory } from "../native/index.js";
import { ConsoleReporter } from "../reporter/console.js";
import { displayTarget, getReporter } from "../reporter/target.js";
import { collect, run } from "../run/runner.js";
import type { BenchmarkRecord, BenchmarkResult, JsonObject } from "../types.js";
import { contextFromEntries } from "./context.js";
import type { Logger } from "./log.js";
import { Progress, progressEnabled } from "./progress.js";
import { QueueSubmitter, type Granularity } from "./queue/submitter.js";
import { nnbenchVersion } from "./version.js";
import { WorkerPool } from "./workers.js";

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
  /** Run through the workers of this queue (`redis://host:port[/name]`) instead of on this machine. */
  queue?: string;
  /** With `queue`: one job per benchmark or family (default), or per family member. */
  granularity?: Granularity;
}

/** Exit codes of `nnbench run`. */
export const RUN_EXIT = { ok: 0, benchmarkFailed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

function generatedName(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `nnbench-${t}-${randomBytes(3).toString("hex")}`;
}

function heldBytes(): number {
  try {
    return nativeMemory().bytes;
  } catch {
    return 0;
  }
}

function interruptedRecord(name: string, signal: NodeJS.Signals): BenchmarkRecord {
  return {
    name,
    function: name,
    description: "",
    error_occurred: true,
    error_message: `interrupted by ${signal} before it finished`,
    error_kind: "interrupted",
    parameters: {},
    time_ns: 0,
  };
}

async function report(result: BenchmarkResult, targets: string[], log: Logger): Promise<void> {
  if (targets.length === 0) {
    new ConsoleReporter().display(result, process.stdout);
    return;
  }
  for (const target of targets) {
    await getReporter(target).write(result, target);
    log.info(`wrote ${result.benchmarks.length} benchmark records of run "${result.run}" to ${displayTarget(target)}`);
  }
}

/** Runs `nnbench run` and returns its exit code. */
export async function runCommand(target: string, opts: RunCommandOptions, loaded: LoadedConfig, log: Logger): Promise<number> {
  const cfg = loaded.config;
  const jobs = opts.jobs ?? cfg.jobs ?? 1;
  const repeat = opts.repeat ?? cfg.repeat;
  const warmup = opts.warmup ?? cfg.warmup;
  const timeout = opts.timeout ?? cfg.timeout;
  const targets = opts.output.length > 0 ? opts.output : cfg.output ? [cfg.output] : [];
  for (const t of targets) getReporter(t); // reject an unknown target before spending time on a run
  if (!existsSync(target)) throw new UsageError(`no such benchmark file or directory: ${target}`);
  const root = path.resolve(statSync(target).isDirectory() ? target : path.dirname(target));

  const context: JsonObject = await buildContext(await contextFromEntries([...(cfg.context ?? []), ...opts.context], loaded));
  const name = opts.name ?? generatedName();
  const timestamp = Math.floor(Date.now() / 1000);
  const progress = new Progress(process.stderr, progressEnabled(process.stderr));
  const finished: BenchmarkRecord[] = [];
  const running = new Set<string>();
  const useChildren = jobs > 1 || opts.isolate || timeout !== undefined || opts.queue !== undefined;
  let pool: WorkerPool | QueueSubmitter | undefined;

  // Ctrl-C or SIGTERM: keep what finished, mark the run partial, write it and leave.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    // A queued run first takes its waiting jobs back from the queue.
    void Promise.resolve(pool?.stop())
      .catch(() => undefined)
      .then(() => writePartial(signal));
  };
  const writePartial = (signal: NodeJS.Signals): void => {
    progress.clear();
    const records = pool ? pool.records() : [...finished];
    const still = pool ? pool.running() : [...running];
    const partial: BenchmarkResult = {
      run: name,
      context,
      benchmarks: [...records, ...still.map((n) => interruptedRecord(n, signal))],
      timestamp,
      partial: true,
    };
    log.warn(`interrupted by ${signal}: writing the ${records.length} finished benchmark records as a partial result`);
    const code = signal === "SIGINT" ? RUN_EXIT.interrupted : RUN_EXIT.terminated;
    report(partial, targets, log).then(
      () => process.exit(code),
      (err: unknown) => {
        log.error(`could not write the partial result: ${(err as Error).message}`);
        process.exit(code);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let result: BenchmarkResult;
  try {
    if (useChildren) {
      const runOptions = { tags: opts.tag, ...(repeat !== undefined ? { repeat } : {}), ...(warmup !== undefined ? { warmup } : {}) };
      pool = opts.queue !== undefined ? new QueueSubmitter({
        queue: opts.queue,
        granularity: opts.granularity ?? "family",
        ...(timeout !== undefined ? { timeout } : {}),
        options: runOptions,
        version: nnbenchVersion(),
        log,
        onStart: (n) => progress.start(n, 0),
        onEnd: (r, worker) => progress.end(r.name, r.error_occurred, 0, worker),
      }) : new WorkerPool({
        jobs,
        isolate: opts.isolate,
        ...(timeout !== undefined ? { timeout } : {}),
        options: runOptions,
        log,
        onStart: (n, bytes) => progress.start(n, bytes),
        onEnd: (r, bytes) => progress.end(r.name, r.error_occurred, bytes),
        onMemory: (bytes) => progress.memory(bytes),
      });
      const items = await pool.list(target);
      progress.total = items.some((i) => i.size < 0) ? undefined : items.reduce((n, i) => n + i.size, 0);
      log.debug(`running ${items.length} benchmarks and families ${opts.queue !== undefined ? "through the queue" : `in child processes (${jobs} at a time${opts.isolate ? ", isolated" : ""})`}`);
      const benchmarks = await pool.run(items, root);
      result = { run: name, context, benchmarks, timestamp };
    } else {
      const items = await collect(target, { tags: opts.tag });
      progress.total = items.every((i) => i.kind !== "family" || i.size >= 0)
        ? items.reduce((n, i) => n + (i.kind === "family" ? i.size : 1), 0)
        : undefined;
      const memoryTimer = setInterval(() => progress.memory(heldBytes()), 250);
      memoryTimer.unref();
      try {
        result = await run(items, {
          name,
          context,
          ...(repeat !== undefined ? { repeat } : {}),
          ...(warmup !== undefined ? { warmup } : {}),
          onBenchmarkStart: (info) => {
            running.add(info.name);
            progress.start(info.name, heldBytes());
          },
          onBenchmarkEnd: (record) => {
            running.delete(record.name);
            finished.push(record);
            progress.end(record.name, record.error_occurred, heldBytes());
          },
        });
      } finally {
        clearInterval(memoryTimer);
      }
      result = { ...result, timestamp };
    }
  } finally {
    progress.clear();
  }
  if (interrupted) return new Promise<number>(() => undefined); // the signal handler exits
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await report(result, targets, log);
  const failed = result.benchmarks.filter((b) => b.error_occurred);
  if (failed.length > 0) {
    log.warn(`${failed.length} of ${result.benchmarks.length} benchmarks failed: ${failed.map((b) => b.name).join(", ")}`);
    return RUN_EXIT.benchmarkFailed;
  }
  return RUN_EXIT.ok;
}
