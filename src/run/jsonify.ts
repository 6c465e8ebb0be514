/**
 * Turning parameter values and benchmark results into JSON, so that result records never hold
 * references to models, tensors or other live objects.
 */

import { formatParamValue } from "../define/benchmark.js";
import { isMemo } from "../define/memo.js";
import type { JsonObject, JsonValue } from "../types.js";

/**
 * A per-type JSON conversion: return the JSON form of `value`, or `undefined` to leave it to the default
 * rules. Given to `run(..., { jsonifier })`.
 */
export type Jsonifier = (value: unknown, key: string) => JsonValue | undefined;

const MAX_DEPTH = 8;
const MAX_STRING = 200;

function short(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING - 1)}…` : s;
}

/**
 * The JSON form of one value: numbers, strings, booleans and null as they are; memos by their name;
 * tensors as `Tensor(float32, [3, 4])`; objects through `toJSON()`; plain arrays and objects element by
 * element; anything else as a short string. Non-finite numbers become strings (`"NaN"`, `"Infinity"`).
 */
export function toJsonValue(value: unknown, key = "", jsonifier?: Jsonifier, depth = 0): JsonValue {
  if (jsonifier !== undefined) {
    const custom = jsonifier(value, key);
    if (custom !== undefined) return custom;
  }
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case "undefined":
      return null;
    case "function":
    case "symbol":
      return short(formatParamValue(value));
  }
  if (value === null) return null;
  if (isMemo(value)) return short(String(value));
  const t = value as { dtype?: unknown; shape?: unknown };
  if (typeof t.dtype === "string" && Array.isArray(t.shape)) return formatParamValue(value);
  if (depth >= MAX_DEPTH) return short(formatParamValue(value));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const j: unknown = toJSON.call(value, key);
    if (j !== value) return toJsonValue(j, key, jsonifier, depth + 1);
  }
  if (Array.isArray(value)) return value.map((v, i) => toJsonValue(v, String(i), jsonifier, depth + 1));
  if (ArrayBuffer.isView(value)) return short(`${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonValue(v, k, jsonifier, depth + 1);
    return out;
  }
  return short(formatParamValue(value));
}

/** The JSON form of a benchmark's parameters. */
export function jsonifyParams(params: Readonly<Record<string, unknown>>, jsonifier?: Jsonifier): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(params)) out[k] = toJsonValue(v, k, jsonifier);
  return out;
}
