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

/**
 * Runs a full, synchronous collection, lets finalizers (FinalizationRegistry callbacks, addon finalizers)
 * run, and collects again, so that what they release is gone too.
 */
export async function fullGc(): Promise<void> {
  const gc = gcFunction();
  gc();
  await nextTurn();
  gc();
}
