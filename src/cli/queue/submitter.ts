/**
 * `nnbench run <path> --queue redis://…`: the submitting side of a distributed run. Lists the
 * benchmarks (in a child process, as `-j` does), enqueues one job per benchmark or family (or per
 * family member with `--granularity member`) with the content hash of the benchmark files, and gathers
 * what the workers return, each job's records once however often the job was retried. Records come
 * back in collection order, each carrying the context of the worker that measured it.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type { Job, Queue, QueueEvents } from "bullmq";
import type { BenchmarkRecord } from "../../types.js";
import type { Logger } from "../log.js";
import type { ChildRunOptions, ListedItem } from "../protocol.js";
import { failedRecord } from "../../run/record.js";
import { WorkerPool } from "../workers.js";
import { parseQueueAddress, type QueueAddress } from "./address.js";
import { closeQuickly, connectionOf, loadBullMQ, onceEach, reachable } from "./bullmq.js";
import { codeIdentity, shortHash } from "./identity.js";
import type { JobData, JobProgress, JobResult } from "./job.js";

/** One job per benchmark or family, or one per family member. */
export type Granularity = "family" | "member";

/** Options of {@link QueueSubmitter}. */
export interface QueueSubmitterOptions {
  queue: string;
  granularity: Granularity;
  /** Per benchmark, in milliseconds. */
  timeout?: number;
  options: ChildRunOptions;
  /** The submitter's nnbench version, which workers must match. */
  version: string;
  log: Logger;
  onStart?: (name: string, worker: string) => void;
  onEnd?: (record: BenchmarkRecord, worker: string | undefined) => void;
}

interface Submitted {
  id: string;
  data: JobData;
  /** Set once the job has finished (completed or finally failed). */
  records?: BenchmarkRecord[];
  /** The benchmark running now and the worker running it, from the job's progress. */
  running?: { name: string; worker: string };
}

/** A finished job fails for good only after its last attempt. */
function failedForGood(job: Job): boolean {
  return job.finishedOn !== undefined && job.failedReason !== undefined && job.returnvalue == null;
}

/** Sends the benchmarks of a run to a queue's workers and gathers their records. */
export class QueueSubmitter {
  readonly #opts: QueueSubmitterOptions;
  readonly #address: QueueAddress;
  readonly #jobs: Submitted[] = [];
  readonly #byId = new Map<string, Submitted>();
  #queue: Queue | undefined;
  #events: QueueEvents | undefined;
  #pending = 0;
  #lastEvent = Date.now();
  #settle: (() => void) | undefined;
  #stopped = false;
  readonly #connection = { connected: false };

  constructor(options: QueueSubmitterOptions) {
    this.#opts = options;
    this.#address = parseQueueAddress(options.queue);
  }

  /** Asks a child process what `target` holds, as `nnbench run -j` does. */
  list(target: string): Promise<ListedItem[]> {
    return new WorkerPool({ jobs: 1, isolate: false, options: this.#opts.options, log: this.#opts.log }).list(target);
  }

  #finish(entry: Submitted, records: BenchmarkRecord[], worker: string | undefined): void {
    if (entry.records) return; // a retried job can be reported twice: its first report counts
    entry.records = records;
    entry.running = undefined;
    this.#pending--;
    for (const r of records) this.#opts.onEnd?.(r, worker);
    if (this.#pending === 0) this.#settle?.();
  }

  #completed(id: string, value: unknown): void {
    const entry = this.#byId.get(id);
    if (!entry || entry.records) return;
    const result = (typeof value === "string" ? JSON.parse(value) : value) as JobResult | null;
    if (!result || !Array.isArray(result.records)) return;
    this.#finish(
      entry,
      result.records.map((r) => ({ ...r, worker: result.worker })),
      result.worker.id,
    );
  }

  #failed(id: string, reason: string): void {
    const entry = this.#byId.get(id);
    if (!entry || entry.records) return;
    this.#opts.log.warn(`${entry.data.label}: ${reason}`);
    this.#finish(entry, [failedRecord(entry.running?.name ?? entry.data.label, "error", reason)], entry.running?.worker);
  }

  #progress(id: string, data: unknown): void {
    const entry = this.#byId.get(id);
    const p = data as Partial<JobProgress> | null;
    if (!entry || entry.records || typeof p?.running !== "string" || typeof p.worker !== "string") return;
    entry.running = { name: p.running, worker: p.worker };
    this.#opts.onStart?.(p.running, p.worker);
  }

  /** Looks up jobs whose end no event told of (events are not stored for listeners that were away). */
  async #reconcile(): Promise<void> {
    const queue = this.#queue;
    if (!queue) return;
    const { Job } = await loadBullMQ();
    const open = this.#jobs.filter((j) => !j.records).slice(0, 64);
    for (const entry of open) {
      const job = await Job.fromId<JobData, JobResult>(queue, entry.id);
      if (!job || entry.records) continue;
      if (job.finishedOn !== undefined && job.returnvalue != null) this.#completed(entry.id, job.returnvalue);
      else if (failedForGood(job)) this.#failed(entry.id, job.failedReason);
    }
  }

  /**
   * Enqueues `items` (from {@link list}; paths relative to this process's working directory, where the
   * workers must run too) and resolves with every record once all jobs have finished.
   */
  async run(items: ListedItem[], root: string): Promise<BenchmarkRecord[]> {
    const { Queue, QueueEvents } = await loadBullMQ();
    const cwd = process.cwd();
    const code = codeIdentity(
      items.map((i) => i.file),
      cwd,
      this.#opts.version,
    );
    const submission = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
    const rel = (p: string): string => path.relative(cwd, p).split(path.sep).join("/") || ".";
    const base = { submission, options: this.#opts.options, code, root: rel(root), ...(this.#opts.timeout !== undefined ? { timeout: this.#opts.timeout } : {}) };
    for (const item of items) {
      const members = this.#opts.granularity === "member" && item.size > 1 ? item.size : 0;
      const one = { ...base, file: rel(item.file), index: item.index };
      if (members === 0) this.#jobs.push({ id: "", data: { ...one, order: this.#jobs.length, label: item.name } });
      else for (let m = 0; m < members; m++) this.#jobs.push({ id: "", data: { ...one, order: this.#jobs.length, label: `${item.name}[${m}]`, member: m } });
    }
    for (const j of this.#jobs) {
      j.id = `${submission}-${j.data.order}`;
      this.#byId.set(j.id, j);
    }
    this.#pending = this.#jobs.length;
    this.#opts.log.debug(`code identity ${shortHash(code.hash)} over ${code.files.length} files; ${this.#jobs.length} jobs to ${this.#address.display}`);
    if (this.#jobs.length === 0) return [];

    const connection = connectionOf(this.#address, this.#connection);
    const queue = new Queue<JobData, JobResult>(this.#address.name, { connection });
    const events = new QueueEvents(this.#address.name, { connection });
    this.#queue = queue as unknown as Queue;
    this.#events = events;
    const warn = onceEach((message) => this.#opts.log.warn(`queue ${this.#address.display}: ${message}`));
    queue.on("error", warn);
    events.on("error", warn);
    events.on("completed", ({ jobId, returnvalue }) => {
      this.#lastEvent = Date.now();
      this.#completed(jobId, returnvalue);
    });
    events.on("failed", ({ jobId, failedReason }) => {
      this.#lastEvent = Date.now();
      this.#failed(jobId, failedReason);
    });
    events.on("progress", ({ jobId, data }) => {
      this.#lastEvent = Date.now();
      this.#progress(jobId, data);
    });
    const done = new Promise<void>((resolve) => (this.#settle = resolve));
    const watch = setInterval(() => {
      if (Date.now() - this.#lastEvent < 2000) return;
      this.#lastEvent = Date.now();
      this.#reconcile().catch((err: unknown) => this.#opts.log.debug(`looking up jobs failed: ${(err as Error).message}`));
    }, 1000);
    try {
      await reachable(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), this.#address, this.#connection);
      const keep = { age: 24 * 3600 };
      await queue.addBulk(
        this.#jobs.map((j) => ({
          name: j.data.label,
          data: j.data,
          opts: { jobId: j.id, attempts: 1, removeOnComplete: keep, removeOnFail: keep },
        })),
      );
      await done;
    } finally {
      clearInterval(watch);
      if (!this.#stopped) await this.#close();
    }
    return this.records();
  }

  async #close(): Promise<void> {
    // Connections that never reached Redis have stopped trying: there is nothing to close.
    if (!this.#connection.connected) return;
    await Promise.all([this.#events, this.#queue].map((c) => (c ? closeQuickly(c) : undefined)));
  }

  /** Every record received so far, in collection order. */
  records(): BenchmarkRecord[] {
    return this.#jobs.flatMap((j) => j.records ?? []);
  }

  /** Names of the benchmarks workers are running right now. */
  running(): string[] {
    return this.#jobs.flatMap((j) => (j.running && !j.records ? [j.running.name] : []));
  }

  /** Removes the jobs no worker has taken yet and stops waiting; `records()` holds what finished. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const queue = this.#queue;
    if (queue) {
      const waiting = this.#jobs.filter((j) => !j.records && !j.running);
      const removed = await Promise.all(waiting.map((j) => queue.remove(j.id).catch(() => 0)));
      this.#opts.log.debug(`removed ${removed.filter((n) => n === 1).length} queued jobs`);
    }
    this.#settle?.();
    await this.#close();
  }
}
