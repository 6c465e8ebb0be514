/**
 * Full garbage collection on demand, also in a process started without `--expose-gc`, so memory owned by
 * JavaScript objects (typed arrays, WebAssembly memories, sessions) is returned before the next model loads.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { setImmediate as nextTurn } from "node:timers/promises";

let collect: (() => void) | undefined;

/** The `gc()` function: the global one, or one obtained by turning `--expose-gc` on at run time. */
function gcFunction(): () => void {
  if (collect !== undefined) return collect;
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === "function") {
    collect = global as () => void;
  } else {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  return collect;
}

/** V8 heap used plus external memory (ArrayBuffers, nnbench tensors), in bytes. */
function heldBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** {@link heldBytes} right after the last {@link fullGc}, or undefined before the first. */
let heldAfterFullGc: number | undefined;

/**
 * Runs a full, synchronous collection, lets finalizers (FinalizationRegistry callbacks, addon finalizers)
 * run, and collects again, so that what they release is gone too.
 */
export async function fullGc(): Promise<void> {
  const gc = gcFunction();
  gc();
  await nextTurn();
  gc();
  heldAfterFullGc = heldBytes();
}

/**
 * Below this growth of the heap and external memory since the last full collection, there is too little
 * garbage for a collection before a run to matter: it could neither start a major collection inside a
 * benchmark nor move a memory figure by more than the figures' own precision (about a MiB).
 */
export const GC_SLACK_BYTES = 1 << 20;

/** How much garbage to collect before a run: all of it, or only as much as there is reason to. */
export type GcBeforeRun = "full" | "as-needed";

/** What {@link collectBeforeRun} collected. */
export type Collected = "none" | "young" | "full";

/**
 * Collects the garbage made before a run, so that it is not collected inside a benchmark and does not
 * offset its figures. `"full"` makes a {@link fullGc}. `"as-needed"` collects nothing while the heap and
 * external memory are within {@link GC_SLACK_BYTES} of what they were after the last full collection made
 * here; else the young generation, and the whole heap too when that was not enough. It cannot see garbage
 * that was still alive at that last full collection, so it suits a process whose runs follow one another
 * with only nnbench's code in between (a queue worker's child), where a full collection, 5 to 20 ms even
 * with little to collect, would otherwise be paid for every short run.
 */
export async function collectBeforeRun(how: GcBeforeRun): Promise<Collected> {
  const withinSlack = (): boolean => heldAfterFullGc !== undefined && heldBytes() - heldAfterFullGc < GC_SLACK_BYTES;
  if (how === "as-needed") {
    if (withinSlack()) return "none";
    (gcFunction() as (options: { type: "minor" }) => void)({ type: "minor" });
    if (withinSlack()) return "young";
  }
  await fullGc();
  return "full";
}
