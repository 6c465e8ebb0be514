/** Telling a promise (or any thenable) a benchmark, memo or hook returned from a plain value. */

/** Whether `v` is a thenable: an object or function with a `then` method. */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as { then?: unknown }).then === "function";
}
