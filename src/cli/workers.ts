/**
 * Running benchmarks in child processes: `-j N` runs benchmark files in N children at once,
 * `--isolate` gives each benchmark or family its own child, `--timeout` lets the parent kill a child
 * whose benchmark runs too long. A child that dies takes only the running benchmark with it: that
 * benchmark is recorded as an error of kind `crash`, `oom` or `timeout`, and a fresh child goes on
 * with the rest.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchmarkRecord, ErrorKind } from "../types.js";
import { failedRecord } from "../run/record.js";
import type { Logger } from "./log.js";
import type { ChildRunOptions, FromChild, ListedItem, ToChild } from "./protocol.js";
import { MEMORY_LIMIT_KILL_MESSAGE } from "../run/run-one.js";
import { CollectFailure } from "../errors.js";

/** The child entry beside this module (`child.js` when built, `child.ts` under a TypeScript loader). */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), here.endsWith(".ts") ? "child.ts" : "child.js");
}

/** What a child's end means for the benchmark it was running. */
export interface Death {
  kind: ErrorKind;
  message: string;
}

/** Classifies how a child ended (a memory limit names its figures): killed for a timeout, out of memory, or crashed. */
export function classifyDeath(code: number | null, signal: NodeJS.Signals | null, stderrTail: string, timedOutAfter?: number): Death {
  if (timedOutAfter !== undefined) return { kind: "timeout", message: `timed out after ${timedOutAfter} ms; the child process was killed` };
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  const limit = stderrTail.lastIndexOf(MEMORY_LIMIT_KILL_MESSAGE);
  if (limit >= 0) {
    const line = stderrTail.slice(limit).split("\n")[0]!;
    return { kind: "memory_limit", message: `${line.replace(/^nnbench: /, "")}; the child process was stopped` };
  }
  if (/heap out of memory|Reached heap limit|Allocation failed|std::bad_alloc|out of memory/i.test(stderrTail)) {
    return { kind: "oom", message: `out of memory: the child process died (${how})` };
  }
  if (signal === "SIGKILL") return { kind: "oom", message: "the child process was killed (SIGKILL), most likely by the out-of-memory killer" };
  return { kind: "crash", message: `the child process crashed (${how})` };
}

/** A share of the work for one child: a file, or one benchmark or family of it. */
interface Unit {
  file: string;
  index?: number;
  label: string;
  records: BenchmarkRecord[];
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  jobs: number;
  isolate: boolean;
  /** Per benchmark, in milliseconds. */
  timeout?: number;
  options: ChildRunOptions;
  log: Logger;
  onStart?: (name: string, nativeBytes: number) => void;
  onEnd?: (record: BenchmarkRecord, nativeBytes: number) => void;
  onMemory?: (nativeBytes: number) => void;
}

/** A forked benchmark child whose reports are read line by line from its report pipe. */
export interface BenchmarkChild {
  child: ChildProcess;
  /** The end of what the child wrote to standard error (to tell an out-of-memory death). */
  stderrTail: string;
  /** Settles once the child has exited and every report it wrote has been read. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Forks the benchmark child (`child.ts`). Its output goes to our standard error, so standard output
 * stays the results'; each report it writes is handed to `onMessage`.
 */
export function forkBenchmarkChild(log: Logger, onMessage: (m: FromChild) => void): BenchmarkChild {
  const child = fork(childEntry(), [], {
    stdio: ["ignore", "pipe", "pipe", "ipc", "pipe"],
    env: { ...process.env, NNBENCH_CHILD: "1" },
  });
  const handle: BenchmarkChild = {
    child,
    stderrTail: "",
    exit: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on("data", (b: Buffer) => process.stderr.write(b));
  child.stderr?.on("data", (b: Buffer) => {
    process.stderr.write(b);
    handle.stderrTail = (handle.stderrTail + b.toString("utf8")).slice(-8192);
  });
  const reports = child.stdio[4] as NodeJS.ReadableStream | null;
  let pending = "";
  reports?.on("data", (b: Buffer) => {
    pending += b.toString("utf8");
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === "") continue;
      try {
        onMessage(JSON.parse(line) as FromChild);
      } catch (err) {
        log.debug(`unreadable report from a child: ${(err as Error).message}`);
      }
    }
  });
  const reportsClosed = new Promise<void>((resolve) => {
    if (!reports) return resolve();
    reports.on("end", resolve);
    reports.on("close", resolve);
    reports.on("error", () => resolve());
  });
  // The exit is only final once every report has been read.
  handle.exit = Promise.all([handle.exit, reportsClosed]).then(([e]) => e);
  child.on("error", (err) => log.debug(`child process error: ${err.message}`));
  return handle;
}

interface Attempt extends BenchmarkChild {
  running: string | undefined;
  started: number;
  finished: boolean;
  failed?: { message: string; stack?: string };
  timedOutAfter?: number;
}

/** Runs benchmark files in child processes and gathers their records. */
export class WorkerPool {
  readonly #opts: WorkerPoolOptions;
  readonly #attempts = new Set<Attempt>();
  readonly #units: Unit[] = [];
  #stopped = false;

  constructor(options: WorkerPoolOptions) {
    this.#opts = options;
  }

  #spawn(message: ToChild, onMessage: (m: FromChild, a: Attempt) => void): Attempt {
    const attempt: Attempt = Object.assign(
      forkBenchmarkChild(this.#opts.log, (m) => onMessage(m, attempt)),
      { running: undefined, started: 0, finished: false },
    );
    attempt.child.send(message);
    this.#attempts.add(attempt);
    void attempt.exit.then(() => this.#attempts.delete(attempt));
    return attempt;
  }

  /** Asks a child what `target` holds (files, benchmarks, families). */
  async list(target: string): Promise<ListedItem[]> {
    let items: ListedItem[] | undefined;
    const attempt = this.#spawn({ type: "list", path: target, options: this.#opts.options }, (m, a) => {
      if (m.type === "listed") items = m.items;
      else if (m.type === "failed") a.failed = m;
    });
    const { code, signal } = await attempt.exit;
    if (attempt.failed) throw new CollectFailure(attempt.failed.message, attempt.failed.stack);
    if (!items) throw new CollectFailure(`collecting benchmarks from ${target} failed: ${classifyDeath(code, signal, attempt.stderrTail).message}`);
    return items;
  }

  async #runUnit(unit: Unit, root: string): Promise<void> {
    const { log, timeout } = this.#opts;
    const skip: string[] = [];
    for (;;) {
      if (this.#stopped) return;
      let timer: NodeJS.Timeout | undefined;
      const attempt = this.#spawn(
        { type: "run", file: unit.file, root, ...(unit.index !== undefined ? { index: unit.index } : {}), skip: [...skip], options: this.#opts.options },
        (m, a) => {
          switch (m.type) {
            case "start":
              a.running = m.name;
              a.started++;
              this.#opts.onStart?.(m.name, m.nativeBytes);
              if (timeout !== undefined) {
                clearTimeout(timer);
                timer = setTimeout(() => {
                  a.timedOutAfter = timeout;
                  log.debug(`${m.name} exceeded ${timeout} ms; killing its child process`);
                  a.child.kill("SIGKILL");
                }, timeout);
              }
              break;
            case "end":
              clearTimeout(timer);
              a.running = undefined;
              unit.records.push(m.record);
              skip.push(m.record.name);
              this.#opts.onEnd?.(m.record, m.nativeBytes);
              break;
            case "memory":
              this.#opts.onMemory?.(m.nativeBytes);
              break;
            case "done":
              a.finished = true;
              break;
            case "failed":
              a.failed = m;
              break;
            case "listed":
              break;
          }
        },
      );
      const { code, signal } = await attempt.exit;
      clearTimeout(timer);
      if (this.#stopped || attempt.finished) return;
      if (attempt.failed) {
        // The file could not be collected or its benchmarks could not be planned.
        log.debug(attempt.failed.stack ?? attempt.failed.message);
        const rec = failedRecord(unit.label, "error", attempt.failed.message);
        unit.records.push(rec);
        this.#opts.onEnd?.(rec, 0);
        return;
      }
      const death = classifyDeath(code, signal, attempt.stderrTail, attempt.timedOutAfter);
      if (attempt.running === undefined) {
        // Died outside any benchmark (importing, between benchmarks): blame the unit and stop.
        const rec = failedRecord(unit.label, death.kind, death.message);
        unit.records.push(rec);
        this.#opts.onEnd?.(rec, 0);
        return;
      }
      log.warn(`${attempt.running}: ${death.message}`);
      const rec = failedRecord(attempt.running, death.kind, death.message);
      unit.records.push(rec);
      skip.push(attempt.running);
      this.#opts.onEnd?.(rec, 0);
      // Go on with the benchmarks this child did not get to, in a fresh child.
    }
  }

  /**
   * Runs `items` (from {@link list}): one unit per file, or per benchmark/family with `isolate`, at most
   * `jobs` children at a time. Records come back in collection order.
   */
  async run(items: ListedItem[], root: string): Promise<BenchmarkRecord[]> {
    const cwd = process.cwd();
    if (this.#opts.isolate) {
      for (const it of items) this.#units.push({ file: it.file, index: it.index, label: it.name, records: [] });
    } else {
      for (const file of [...new Set(items.map((i) => i.file))]) {
        this.#units.push({ file, label: path.relative(cwd, file) || file, records: [] });
      }
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      while (!this.#stopped && next < this.#units.length) {
        const unit = this.#units[next++]!;
        await this.#runUnit(unit, root);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.#opts.jobs, this.#units.length)) }, lane));
    return this.records();
  }

  /** Every record reported so far, in collection order. */
  records(): BenchmarkRecord[] {
    return this.#units.flatMap((u) => u.records);
  }

  /** Names of the benchmarks running right now. */
  running(): string[] {
    return [...this.#attempts].map((a) => a.running).filter((n): n is string => n !== undefined);
  }

  /** Kills every child at once; `run()` then resolves with what was reported. */
  stop(): void {
    this.#stopped = true;
    for (const a of this.#attempts) a.child.kill("SIGKILL");
  }
}
