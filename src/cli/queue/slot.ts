/**
 * One of a worker's `--concurrency` lanes: a benchmark child process kept alive from job to job (so a
 * job costs an IPC round trip, not a process start), with the crash isolation of `nnbench run -j`: a
 * child that dies (segfault, out of memory, timeout) takes only the running benchmark with it, which is
 * recorded as that benchmark's error, and a fresh child goes on with the rest of the job.
 */
import * as path from "node:path";
import type { BenchmarkRecord } from "../../types.js";
import type { Logger } from "../log.js";
import type { FromChild } from "../protocol.js";
import { failedRecord } from "../../run/record.js";
import { classifyDeath, forkBenchmarkChild, type BenchmarkChild } from "../workers.js";
import type { JobData } from "./job.js";

interface Running {
  records: BenchmarkRecord[];
  skip: string[];
  running: string | undefined;
  timer: NodeJS.Timeout | undefined;
  timedOutAfter: number | undefined;
  /** Per benchmark, in milliseconds. */
  timeout: number | undefined;
  settle: (outcome: { done: true } | { failed: string }) => void;
}

/** A lane that runs jobs one after another in a reusable child process. */
export class ChildSlot {
  readonly #log: Logger;
  #child: BenchmarkChild | undefined;
  /** The code hash the current child imported its files under. */
  #hash: string | undefined;
  #job: Running | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  #onMessage(m: FromChild): void {
    const job = this.#job;
    if (!job) return;
    const timeout = job.timeout;
    switch (m.type) {
      case "start":
        job.running = m.name;
        this.onStart?.(m.name);
        if (timeout !== undefined) {
          clearTimeout(job.timer);
          job.timer = setTimeout(() => {
            job.timedOutAfter = timeout;
            this.#log.debug(`${m.name} exceeded ${timeout} ms; killing its child process`);
            this.#child?.child.kill("SIGKILL");
          }, timeout);
        }
        break;
      case "end":
        clearTimeout(job.timer);
        job.running = undefined;
        job.records.push(m.record);
        job.skip.push(m.record.name);
        break;
      case "done":
        job.settle({ done: true });
        break;
      case "failed":
        job.settle({ failed: m.message });
        break;
      default:
        break;
    }
  }

  /** Called when a benchmark of the current job starts. */
  onStart: ((name: string) => void) | undefined;

  /** Runs `data` (paths relative to `cwd`) and resolves with its records, errors included. */
  async run(data: JobData, cwd: string): Promise<BenchmarkRecord[]> {
    // A child imported the files of another code version: its module cache would run stale code.
    if (this.#child && this.#hash !== data.code.hash) this.kill();
    const job: Running = {
      records: [],
      skip: [],
      running: undefined,
      timer: undefined,
      timedOutAfter: undefined,
      timeout: data.timeout,
      settle: () => undefined,
    };
    this.#job = job;
    try {
      for (;;) {
        if (!this.#child) {
          this.#child = forkBenchmarkChild(this.#log, (m) => this.#onMessage(m));
          this.#hash = data.code.hash;
        }
        const child = this.#child;
        job.running = undefined;
        job.timedOutAfter = undefined;
        const outcome = await new Promise<{ done: true } | { failed: string } | { exit: { code: number | null; signal: NodeJS.Signals | null } }>((resolve) => {
          job.settle = resolve;
          void child.exit.then((exit) => resolve({ exit }));
          child.child.send({
            type: "run",
            file: path.resolve(cwd, data.file),
            root: path.resolve(cwd, data.root),
            index: data.index,
            ...(data.member !== undefined ? { member: data.member } : {}),
            skip: [...job.skip],
            options: data.options,
            stay: true,
          });
        });
        clearTimeout(job.timer);
        if ("done" in outcome) return job.records;
        if ("failed" in outcome) {
          // The file could not be collected or the benchmark could not be planned.
          job.records.push(failedRecord(data.label, "error", outcome.failed));
          return job.records;
        }
        this.#child = undefined;
        const death = classifyDeath(outcome.exit.code, outcome.exit.signal, child.stderrTail, job.timedOutAfter);
        if (job.running === undefined) {
          // Died outside any benchmark (importing, between benchmarks): blame the job.
          job.records.push(failedRecord(data.label, death.kind, death.message));
          return job.records;
        }
        this.#log.warn(`${job.running}: ${death.message}`);
        job.records.push(failedRecord(job.running, death.kind, death.message));
        job.skip.push(job.running);
        // Go on with the benchmarks of this job that the child did not get to, in a fresh child.
      }
    } finally {
      this.#job = undefined;
    }
  }

  /** Kills the child (a new one starts with the next job). */
  kill(): void {
    this.#child?.child.kill("SIGKILL");
    this.#child = undefined;
  }
}
