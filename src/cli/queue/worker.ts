/**
 * `nnbench worker --queue redis://host:port[/name]`: takes jobs of distributed runs from the queue and
 * runs each in a child process of its own lane (`--concurrency` lanes, default 1), from the working
 * directory, which must hold the same benchmark files as the submitter's. A job whose files differ
 * (by content hash) or whose nnbench version differs is refused. A worker that dies mid-job loses
 * its lock; the job then goes back to the queue for another worker.
 */
import * as os from "node:os";
import { CodeMismatchError } from "../../errors.js";
import { NativeInfo } from "../../run/context.js";
import type { JsonObject } from "../../types.js";
import type { Logger } from "../log.js";
import { nnbenchVersion } from "../version.js";
import { parseQueueAddress } from "./address.js";
import { closeQuickly, connectionOf, loadBullMQ, onceEach, reachable } from "./bullmq.js";
import { FileHashCache, shortHash } from "./identity.js";
import type { JobData, JobProgress, JobResult, WorkerContext } from "./job.js";
import { ChildSlot } from "./slot.js";

/** Options of `nnbench worker`. */
export interface WorkerCommandOptions {
  queue: string;
  /** Jobs at once, each in its own child process (default 1). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in milliseconds (default 30000): a worker that dies
   * mid-job has its job given to another worker about this long after.
   */
  stallTimeout?: number;
}

/** A benchmark that runs longer than this shows on the submitter's progress line. */
const PROGRESS_AFTER_MS = 100;

/** Exit codes of `nnbench worker`. */
export const WORKER_EXIT = { ok: 0, interrupted: 130, terminated: 143 } as const;

async function addonBuild(): Promise<JsonObject> {
  try {
    const info = await NativeInfo()();
    const native = info.native as JsonObject;
    return { gemm_isa: native.gemm_isa ?? null, compiler: native.compiler ?? null };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** This machine, as every record a worker measures carries it. */
export async function workerContext(): Promise<WorkerContext> {
  const cpus = os.cpus();
  return {
    id: `${os.hostname()}:${process.pid}`,
    host: os.hostname(),
    platform: process.platform,
    arch: os.machine(),
    cpu: cpus[0]?.model.trim() ?? "",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    total_memory: os.totalmem(),
    node: process.versions.node,
    addon: await addonBuild(),
    nnbench: nnbenchVersion(),
  };
}

/** The refusal of a job whose code differs from this worker's, naming both hashes. */
export function codeMismatch(data: JobData, localHash: string, localVersion: string): CodeMismatchError | undefined {
  if (data.code.hash === localHash && data.code.version === localVersion) return undefined;
  return new CodeMismatchError(
    `refused ${data.label}: the worker's benchmark files differ from the submitter's ` +
      `(submitter ${shortHash(data.code.hash)} nnbench ${data.code.version}, worker ${shortHash(localHash)} nnbench ${localVersion}, ` +
      `over ${data.code.files.length} files: ${data.code.files.join(", ")})`,
  );
}

/** Runs `nnbench worker` until SIGINT or SIGTERM and returns its exit code. */
export async function workerCommand(opts: WorkerCommandOptions, log: Logger): Promise<number> {
  const address = parseQueueAddress(opts.queue);
  const concurrency = opts.concurrency ?? 1;
  const lockDuration = opts.stallTimeout ?? 30_000;
  const { Worker, UnrecoverableError } = await loadBullMQ();
  const cwd = process.cwd();
  const context = await workerContext();
  const free = Array.from({ length: concurrency }, () => new ChildSlot(log));
  const all = [...free];
  let stopping = false;
  const hashes = new FileHashCache();
  const watch = { connected: false };

  const worker = new Worker<JobData, JobResult>(
    address.name,
    async (job) => {
      const data = job.data;
      const refusal = codeMismatch(data, hashes.hash(data.code.files, cwd), context.nnbench);
      if (refusal) {
        log.error(refusal.message);
        throw new UnrecoverableError(refusal.message);
      }
      const slot = free.pop();
      if (!slot) throw new Error("no free lane: more jobs than --concurrency");
      // Progress is worth a round trip to Redis only for benchmarks that take a while.
      let shown: NodeJS.Timeout | undefined;
      slot.onStart = (name) => {
        clearTimeout(shown);
        shown = setTimeout(() => {
          const progress: JobProgress = { worker: context.id, running: name };
          job.updateProgress(progress).catch(() => undefined);
        }, PROGRESS_AFTER_MS);
      };
      try {
        const records = await slot.run(data, cwd);
        // Stopping killed the child: the job is not done, and goes to another worker once its lock expires.
        if (stopping) return new Promise<never>(() => undefined);
        return { worker: context, records };
      } finally {
        clearTimeout(shown);
        slot.onStart = undefined;
        free.push(slot);
      }
    },
    {
      connection: connectionOf(address, watch),
      concurrency,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      // A job whose workers keep dying (say, the machine runs out of memory) fails after this many tries.
      maxStalledCount: 5,
    },
  );
  worker.on("error", onceEach((message) => log.warn(`queue ${address.display}: ${message}`)));
  try {
    await reachable(worker.waitUntilReady(), address, watch);
  } catch (err) {
    void worker.close(true).catch(() => undefined);
    throw err;
  }
  log.info(`worker ${context.id} takes jobs from ${address.display} (${concurrency} at a time)`);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      stopping = true;
      // Jobs running now go back to the queue when their lock expires.
      for (const slot of all) slot.kill();
      void worker
        .close(true)
        .catch(() => undefined)
        .then(() => resolve(signal === "SIGINT" ? WORKER_EXIT.interrupted : WORKER_EXIT.terminated));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
