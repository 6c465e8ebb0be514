/**
 * Evicting memos so their memory is really gone: each value is disposed (awaiting asynchronous
 * disposal), and when a value was not only nnbench tensors, a full garbage collection returns what
 * JavaScript owned (typed arrays, WebAssembly memories, session wrappers) before the next model loads.
 */
import { cachedMemos, evictMemoAsync, type Disposer, type Memo } from "../define/memo.js";
import { Model } from "../native/model.js";
import { Tensor } from "../native/tensor.js";
import { fullGc } from "./gc.js";

/** Whether `value` is nnbench tensors only (freed at once by disposal; no collection needed). */
function onlyNativeTensors(value: unknown): boolean {
  if (value instanceof Tensor || value instanceof Model) return true;
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => v instanceof Tensor || v instanceof Model);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const vs = Object.values(value as object);
    return vs.length > 0 && vs.every((v) => v instanceof Tensor || v instanceof Model);
  }
  return false;
}

/**
 * Evicts and disposes `memos` (with `disposer` when given), then collects garbage when any evicted value
 * was more than nnbench tensors. Disposal errors are collected, not thrown early: every memo is evicted.
 */
export async function evictAndCollect(memos: Iterable<Memo<unknown>>, disposer: Disposer | undefined): Promise<void> {
  let collect = false;
  const errors: unknown[] = [];
  for (const m of memos) {
    try {
      const value = await evictMemoAsync(m, disposer !== undefined ? { disposer } : {});
      if (value !== undefined && !onlyNativeTensors(value)) collect = true;
    } catch (e) {
      errors.push(e);
    }
  }
  if (collect) await fullGc();
  if (errors.length > 0) throw errors[0];
}

/**
 * Keeps the memo cache within `budget` bytes (as measured when each value loaded), counting `incoming`
 * bytes about to load: evicts least recently used memos, first those `neededLater` says no pending
 * benchmark needs, then the others; never one of `keep`.
 */
export async function enforceMemoBudget(
  budget: number,
  incoming: number,
  keep: ReadonlySet<Memo<unknown>>,
  neededLater: (m: Memo<unknown>) => boolean,
  disposer: Disposer | undefined,
): Promise<void> {
  const cached = cachedMemos();
  let total = incoming + cached.reduce((n, c) => n + c.bytes, 0);
  if (total <= budget) return;
  const candidates = cached.filter((c) => !keep.has(c.memo));
  const order = [...candidates.filter((c) => !neededLater(c.memo)), ...candidates.filter((c) => neededLater(c.memo))];
  const victims: Memo<unknown>[] = [];
  for (const c of order) {
    if (total <= budget) break;
    victims.push(c.memo);
    total -= c.bytes;
  }
  await evictAndCollect(victims, disposer);
}
