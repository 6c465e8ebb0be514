/**
 * The timed loop: warmup calls, then timed calls of a benchmark function, each bounded by the benchmark's timeout.
 */

import { isPromiseLike } from "../define/thenable.js";
import type { Benchmark } from "../types.js";
import { TimeoutError } from "../errors.js";

async function awaitWithTimeout(p: Promise<unknown>, ms: number | undefined): Promise<unknown> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  p.catch(() => undefined); // an abandoned call must not become an unhandled rejection
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the timed loop produced so far: kept when a call throws, so finished samples still count. */
export interface CallResults {
  /** Wall time of each finished timed call, in nanoseconds. */
  readonly samples: number[];
  /** The last call's return value. */
  value: unknown;
}

/** Hooks of the timed loop. */
export interface CallHooks {
  /** Called when the timed calls start (after warmup). */
  onTimed?: () => void;
  /** Called after every call; throwing stops the loop (a memory limit). */
  afterCall?: () => void;
}

/**
 * Calls `bm.fn(args)` `warmup` times untimed, then `repeat` times timed, into `out`; throws the first error.
 */
export async function timedCalls(bm: Benchmark, args: Readonly<Record<string, unknown>>, warmup: number, repeat: number, out: CallResults, hooks: CallHooks = {}): Promise<void> {
  const call = async (timed: boolean): Promise<void> => {
    const t0 = process.hrtime.bigint();
    try {
      let r = bm.fn(args);
      if (isPromiseLike(r)) r = await awaitWithTimeout(Promise.resolve(r), bm.timeout);
      out.value = r;
    } finally {
      if (timed) out.samples.push(Number(process.hrtime.bigint() - t0));
    }
    hooks.afterCall?.();
  };
  for (let w = 0; w < warmup; w++) await call(false);
  hooks.onTimed?.();
  for (let n = 0; n < repeat; n++) await call(true);
}
