/**
 * Building a benchmark's JSON record from what it was given and what its run produced.
 */

import { median, summarize } from "../stats/summary.js";
import type { Benchmark, BenchmarkRecord, ErrorKind, JsonObject, MemoryRecord } from "../types.js";
import { jsonifyParams, toJsonValue, type Jsonifier } from "./jsonify.js";
import { has, type Source } from "./plan.js";

/** Why a benchmark failed. */
export interface RecordedError {
  readonly message: string;
  readonly kind: ErrorKind;
}

/** What one benchmark's run produced. */
export interface RunProduct {
  readonly error: RecordedError | undefined;
  readonly samples: readonly number[];
  readonly value: unknown;
  readonly memory: MemoryRecord;
}

/**
 * The record of a benchmark that never produced its own: its process crashed, timed out or was
 * interrupted, or it could not be collected.
 */
export function failedRecord(name: string, kind: ErrorKind, message: string): BenchmarkRecord {
  return {
    name,
    function: name,
    description: "",
    error_occurred: true,
    error_message: message,
    error_kind: kind,
    parameters: {},
    time_ns: 0,
  };
}

/** The record's `parameters`: the values given (as JSON) over the function's defaults, unknown names left out. */
export function recordParams(bm: Benchmark, srcs: Map<string, Source>, inputs: Record<string, unknown>, jsonifier: Jsonifier | undefined): JsonObject {
  const out: JsonObject = { ...bm.interface.defaults, ...jsonifyParams(inputs, jsonifier) };
  for (const [k, s] of srcs) if (s.from === "default" && !has(bm.interface.defaults, k)) delete out[k];
  return out;
}

/** The record of one benchmark's run. */
export function buildRecord(bm: Benchmark, parameters: JsonObject, product: RunProduct, jsonifier: Jsonifier | undefined): BenchmarkRecord {
  const { error, samples } = product;
  const record: BenchmarkRecord = {
    name: bm.name,
    function: bm.functionName,
    description: bm.description,
    error_occurred: error !== undefined,
    error_message: error?.message ?? "",
    ...(error !== undefined ? { error_kind: error.kind } : {}),
    parameters,
    ...(error === undefined ? { value: toJsonValue(product.value, "value", jsonifier) } : {}),
    time_ns: samples.length === 0 ? 0 : samples.length === 1 ? samples[0]! : median(samples),
    memory: product.memory,
  };
  if (samples.length > 1) {
    record.samples_ns = [...samples];
    record.stats = summarize(samples);
  }
  if (bm.tags.length > 0) record.tags = [...bm.tags];
  return record;
}
