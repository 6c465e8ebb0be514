/**
 * One benchmark's life: its memos load, setUp, warmup and timed calls, tearDown, and its record.
 */

import { isMemo, isMemoCached, type Memo } from "../define/memo.js";
import type { Benchmark, BenchmarkRecord, ErrorKind, State } from "../types.js";
import type { Jsonifier } from "./jsonify.js";
import { finishMemoryMeasurement, startMemoryMeasurement } from "./memory.js";
import { memosOf, missingError, type Source } from "./plan.js";
import { buildRecord, recordParams, type RecordedError } from "./record.js";
import { timedCalls, TimeoutError, type CallResults } from "./timed-calls.js";

/** The run-wide settings one benchmark uses. */
export interface RunOneOptions {
  readonly repeat?: number | undefined;
  readonly warmup?: number | undefined;
  readonly jsonifier?: Jsonifier | undefined;
}

/** A benchmark's record and the memos it used. */
export interface Outcome {
  readonly record: BenchmarkRecord;
  readonly memos: Set<Memo<unknown>>;
}

const warnedUncached = new WeakSet<object>();

/** A memo whose `call()` is not decorated with `@cachedMemo` recomputes its value for every benchmark. */
function warnIfUncached(m: Memo<unknown>): void {
  if (isMemoCached(m)) return;
  const cls = Object.getPrototypeOf(m) as object;
  if (warnedUncached.has(cls)) return;
  warnedUncached.add(cls);
  process.emitWarning(
    `memo ${m.constructor.name}: call() is not decorated with @cachedMemo, so its value is computed again for ` +
      `every benchmark and the runner cannot evict it`,
    { code: "NNBENCH_UNCACHED_MEMO" },
  );
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The parameter values a benchmark is given (defaults left to the function). */
function inputsOf(srcs: Map<string, Source>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [k, s] of srcs) if (s.from !== "default") inputs[k] = s.value;
  return inputs;
}

/** Loads the memos among `inputs` into `resolved` (in place). */
async function loadMemos(inputs: Record<string, unknown>, resolved: Record<string, unknown>): Promise<void> {
  for (const [k, v] of Object.entries(inputs)) {
    if (!isMemo(v)) continue;
    resolved[k] = await v.call();
    warnIfUncached(v);
  }
}

/**
 * Runs setUp, warmup and timed calls and tearDown (even after an error) with `resolved` arguments;
 * returns the first error, never throws it.
 */
async function lifecycle(bm: Benchmark, inputs: Record<string, unknown>, options: RunOneOptions, missing: string | undefined, out: CallResults): Promise<RecordedError | undefined> {
  const state: State = Object.freeze({ name: bm.name, family: bm.family, familySize: bm.familySize, familyIndex: bm.familyIndex });
  let error: RecordedError | undefined;
  const fail = (e: unknown, kind: ErrorKind = "error"): void => {
    error ??= { message: errorMessage(e), kind };
  };
  const resolved: Record<string, unknown> = { ...inputs };
  let setUpDone = false;
  try {
    if (missing !== undefined) throw missingError(bm, bm.name, missing);
    await loadMemos(inputs, resolved);
    Object.freeze(resolved);
    await bm.setUp?.(state, resolved);
    setUpDone = true;
    await timedCalls(bm, resolved, bm.warmup ?? options.warmup ?? 0, bm.repeat ?? options.repeat ?? 1, out);
  } catch (e) {
    fail(e, e instanceof TimeoutError ? "timeout" : "error");
  } finally {
    try {
      if (setUpDone || error !== undefined) await bm.tearDown?.(state, resolved);
    } catch (e) {
      fail(e);
    }
  }
  return error;
}

/** Runs one benchmark: memos, setUp, warmup and timed calls, tearDown; never throws for the benchmark's errors. */
export async function runOne(bm: Benchmark, srcs: Map<string, Source>, options: RunOneOptions, missing: string | undefined): Promise<Outcome> {
  const memos = memosOf(srcs);
  const inputs = inputsOf(srcs);
  const parameters = recordParams(bm, srcs, inputs, options.jsonifier);
  const calls: CallResults = { samples: [], value: undefined };
  const measurement = startMemoryMeasurement();
  const error = await lifecycle(bm, inputs, options, missing, calls);
  const memory = finishMemoryMeasurement(measurement);
  const record = buildRecord(bm, parameters, { error, samples: calls.samples, value: calls.value, memory }, options.jsonifier);
  return { record, memos };
}
