/**
 * The child process of `nnbench run -j N` / `--isolate` / `--timeout`: collects or runs the benchmarks
 * the parent names and reports each record over IPC as soon as it is finished, so a crash loses only
 * the benchmark that was running.
 */
import { writeSync } from "node:fs";
import { resolve } from "node:path";
import { isBenchmarkFamily } from "../define/benchmark.js";
import { collect, type Runnable } from "../run/collect.js";
import { run } from "../run/runner.js";
import { heldNativeBytes } from "./progress.js";
import type { FromChild, ListedItem, ToChild } from "./protocol.js";

// Interrupts are the parent's to handle: it keeps what was reported and stops this process.
process.on("SIGINT", () => undefined);

/** The pipe reports go to (set up by the parent as the fifth stdio entry). */
const REPORT_FD = 4;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes one report synchronously, so that it reaches the parent even if the very next statement
 * crashes the process (an asynchronous IPC message could still be queued then).
 */
function send(message: FromChild): void {
  const bytes = Buffer.from(JSON.stringify(message) + "\n");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(REPORT_FD, bytes, offset, bytes.length - offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 2); // the parent has not read yet: wait a moment
    }
  }
}

async function list(path: string, tags: string[]): Promise<ListedItem[]> {
  const items = await collect(path, { tags });
  const perFile = new Map<string, number>();
  return items.map((item) => {
    const file = item.origin?.file ?? resolve(path);
    const index = perFile.get(file) ?? 0;
    perFile.set(file, index + 1);
    return { file, index, name: item.name, size: isBenchmarkFamily(item) ? item.size : 1 };
  });
}

/**
 * What each file collected to, in a child that stays for more runs: importing a file again returns the
 * module already loaded, so collecting it again would only repeat the work.
 */
const collected = new Map<string, Runnable[]>();

async function collectFile(message: Extract<ToChild, { type: "run" }>): Promise<Runnable[]> {
  if (message.stay !== true) return collect(message.file, { tags: message.options.tags });
  const key = `${message.file}\0${message.options.tags.join("\0")}`;
  let items = collected.get(key);
  if (!items) collected.set(key, (items = await collect(message.file, { tags: message.options.tags })));
  return items;
}

async function runFile(message: Extract<ToChild, { type: "run" }>): Promise<void> {
  let items: Runnable[] = [...(await collectFile(message))];
  // Fixtures are looked up from the benchmark file up to the directory the user named.
  for (const item of items) item.origin = { file: message.file, root: message.root };
  if (message.index !== undefined) {
    const one = items[message.index];
    if (!one) throw new Error(`${message.file} has no benchmark number ${message.index} any more`);
    items = [one];
    if (message.member !== undefined) {
      const member = isBenchmarkFamily(one) ? [...one][message.member] : undefined;
      if (!member) throw new Error(`${one.name} in ${message.file} has no member number ${message.member} any more`);
      member.origin = { file: message.file, root: message.root };
      items = [member];
    }
  }
  if (message.skip.length > 0) {
    // Resuming after a crash: run the members that have not run yet.
    const skip = new Set(message.skip);
    items = items.flatMap((item) => (isBenchmarkFamily(item) ? [...item] : [item])).filter((b) => !skip.has(b.name));
  }
  const timer = setInterval(() => send({ type: "memory", nativeBytes: heldNativeBytes() }), 250);
  timer.unref();
  try {
    await run(items, {
      context: {},
      ...(message.options.repeat !== undefined ? { repeat: message.options.repeat } : {}),
      ...(message.options.warmup !== undefined ? { warmup: message.options.warmup } : {}),
      ...message.options.memory,
      // A child over its memory limit is stopped at once, before the machine swaps; the parent records why.
      killOverMemoryLimit: true,
      // A child kept for more jobs runs one short run after another: a full collection before each would
      // cost more than most of them.
      ...(message.stay === true ? { gcBeforeRun: "as-needed" as const } : {}),
      onBenchmarkStart: (info) => send({ type: "start", name: info.name, nativeBytes: heldNativeBytes() }),
      onBenchmarkEnd: (record) => send({ type: "end", record, nativeBytes: heldNativeBytes() }),
    });
  } finally {
    clearInterval(timer);
  }
}

process.on("message", (raw: unknown) => {
  const message = raw as ToChild;
  const work = async (): Promise<FromChild> => {
    if (message.type === "list") return { type: "listed", items: await list(message.path, message.options.tags) };
    await runFile(message);
    return { type: "done" };
  };
  work()
    .catch((err: unknown): FromChild => {
      const e = err instanceof Error ? err : new Error(String(err));
      return { type: "failed", message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
    })
    .then(send)
    .then(() => {
      if (!(message.type === "run" && message.stay === true)) process.exit(0);
    });
});

// Without a parent there is no one to report to.
process.on("disconnect", () => process.exit(1));
