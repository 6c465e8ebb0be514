/**
 * Memos: lazily computed, cached values (models, datasets) that a benchmark family shares, and the
 * process-wide cache that holds them until they are evicted.
 */

import { NnbenchError } from "../errors.js";
import { isPromiseLike } from "./thenable.js";

const MEMO_BRAND = Symbol.for("nnbench.memo");
const CACHE_KEY = Symbol.for("nnbench.memoCache");

declare const memoValue: unique symbol;

/**
 * A value computed on first use and cached until evicted. Subclass it, implement `call()`, and decorate
 * `call` with `@cachedMemo`:
 *
 * ```ts
 * class ModelMemo extends Memo<Model> {
 *   constructor(readonly path: string) { super(); }
 *   @cachedMemo
 *   call(): Model { return Model.load(this.path); }
 *   override toString() { return basename(this.path); }
 * }
 * ```
 *
 * A memo shows in benchmark names and results as its class name, or as its `toString()` if it overrides it.
 */
export abstract class Memo<T> {
  /** Type-level record of the value type, so that `Memo<Model>` and `Memo<Tensor>` never mix. */
  declare readonly [memoValue]?: T;

  /** Computes the value. Decorate with `@cachedMemo` so it runs once until evicted. */
  abstract call(): T | Promise<T>;

  /**
   * Frees the value on eviction, instead of the default (`[Symbol.asyncDispose]`, `[Symbol.dispose]`,
   * `dispose()`, `release()` or `close()`, whichever the value has first).
   */
  disposer?(value: T): void | PromiseLike<void>;

  /** The name shown in benchmark names and results: the class name unless overridden. */
  toString(): string {
    return this.constructor.name || "Memo";
  }
}
Object.defineProperty(Memo.prototype, MEMO_BRAND, { value: true });

/** The value type a memo produces; plain values stay as they are. */
export type MemoValue<V> = V extends Memo<infer T> ? T : V;

/** True for any nnbench memo, also one made by another copy of the nnbench module. */
export function isMemo(value: unknown): value is Memo<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [MEMO_BRAND]?: unknown })[MEMO_BRAND] === true &&
    typeof (value as { call?: unknown }).call === "function"
  );
}

interface Entry {
  readonly memo: WeakRef<object>;
  ready: boolean;
  value: unknown;
  promise: Promise<unknown> | undefined;
  /** Set when the entry was evicted during an asynchronous load; says what to do with the value. */
  evicted: { dispose: boolean; disposer: Disposer | undefined } | undefined;
  /** Bytes the value is known to hold (see `setMemoBytes`), for cache budgets. */
  bytes: number;
  /** When the value was last handed out, for least-recently-used eviction. */
  lastUsed: number;
}

interface Cache {
  readonly byMemo: WeakMap<object, Entry>;
  readonly live: Set<Entry>;
  readonly registry: FinalizationRegistry<Entry>;
}

function cache(): Cache {
  const g = globalThis as { [CACHE_KEY]?: Cache };
  let c = g[CACHE_KEY];
  if (c === undefined) {
    const live = new Set<Entry>();
    // A memo that became unreachable releases its value (the value itself is not disposed: someone
    // may still hold it; native memory it owns is freed when it too is collected).
    const registry = new FinalizationRegistry<Entry>((entry) => {
      live.delete(entry);
      entry.value = undefined;
      entry.promise = undefined;
    });
    c = { byMemo: new WeakMap(), live, registry };
    g[CACHE_KEY] = c;
  }
  return c;
}

function removeEntry(memo: object, entry: Entry): void {
  const c = cache();
  if (c.byMemo.get(memo) === entry) c.byMemo.delete(memo);
  c.live.delete(entry);
  c.registry.unregister(entry);
}

/** Frees a memo's value; may be asynchronous. */
export type Disposer = (value: unknown) => void | PromiseLike<void>;

/** The methods tried on a value to free it, in order of preference. */
const DISPOSE_METHODS: readonly (string | symbol)[] = [Symbol.asyncDispose, Symbol.dispose, "dispose", "release", "close"];

/**
 * Frees a value's resources: calls the first of `[Symbol.asyncDispose]()`, `[Symbol.dispose]()`,
 * `dispose()`, `release()` (an onnxruntime `InferenceSession`) or `close()` it has, or does so for each
 * element of a plain array or object holding such values (a dataset memo returning `{ x, y }` tensors).
 * Returns a promise when a method returned one, so the caller can wait until the value is really freed.
 */
export function disposeValue(value: unknown): Promise<void> | undefined {
  const pending: PromiseLike<unknown>[] = [];
  const one = (v: unknown): boolean => {
    const r = disposeOne(v);
    if (r === undefined) return false;
    if (isPromiseLike(r.result)) pending.push(r.result);
    return true;
  };
  if (!one(value)) {
    if (Array.isArray(value)) for (const v of value) one(v);
    else if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype)
      for (const v of Object.values(value)) one(v);
  }
  return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
}

/** Calls the first dispose method `value` has; undefined when it has none. */
function disposeOne(value: unknown): { result: unknown } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const key of DISPOSE_METHODS) {
    const f = (value as Record<string | symbol, unknown>)[key];
    if (typeof f === "function") return { result: (f as () => unknown).call(value) };
  }
  return undefined;
}

function runDisposer(value: unknown, disposer: Disposer | undefined): Promise<void> | undefined {
  if (disposer === undefined) return disposeValue(value);
  const r = disposer(value);
  return isPromiseLike(r) ? Promise.resolve(r) : undefined;
}

let useClock = 0;

function warnDisposeFailed(e: unknown): void {
  process.emitWarning(`disposing an evicted memo value failed: ${e instanceof Error ? e.message : String(e)}`, { code: "NNBENCH_DISPOSE_FAILED" });
}

function disposerOf(memo: object): Disposer | undefined {
  const d = (memo as { disposer?: unknown }).disposer;
  return typeof d === "function" ? (d as Disposer) : undefined;
}

function cachedCall<T>(memo: object, compute: () => T | Promise<T>): T | Promise<T> {
  const c = cache();
  const hit = c.byMemo.get(memo);
  if (hit !== undefined) {
    hit.lastUsed = ++useClock;
    return (hit.ready ? hit.value : hit.promise) as T | Promise<T>;
  }
  const out = compute();
  const entry: Entry = { memo: new WeakRef(memo), ready: false, value: undefined, promise: undefined, evicted: undefined, bytes: 0, lastUsed: ++useClock };
  if (isPromiseLike(out)) {
    entry.promise = Promise.resolve(out).then(
      (value) => {
        if (entry.evicted !== undefined) {
          // Evicted while loading: nobody will evict it again, so release it now.
          if (entry.evicted.dispose) void Promise.resolve(runDisposer(value, entry.evicted.disposer ?? disposerOf(memo))).catch(warnDisposeFailed);
        } else {
          entry.ready = true;
          entry.value = value;
          entry.promise = undefined;
        }
        return value;
      },
      (err: unknown) => {
        removeEntry(memo, entry);
        throw err;
      },
    );
  } else {
    entry.ready = true;
    entry.value = out;
  }
  c.byMemo.set(memo, entry);
  c.live.add(entry);
  c.registry.register(memo, entry, entry);
  return (entry.ready ? entry.value : entry.promise) as T | Promise<T>;
}

type MemoCall<This, T> = (this: This) => T | Promise<T>;

/**
 * Caches the value that `call()` returns, once per memo object, in the process-wide memo cache. An async
 * `call()` is cached as its promise, so concurrent uses share one load; a rejected load is not cached.
 * Works as a standard (TC39) decorator and as a legacy `experimentalDecorators` one.
 */
export function cachedMemo<This extends object, R>(value: (this: This) => R, context: ClassMethodDecoratorContext<This, (this: This) => R>): (this: This) => R;
export function cachedMemo(target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
export function cachedMemo(...args: unknown[]): unknown {
  const [first, second, third] = args;
  if (args.length === 2 && typeof first === "function" && typeof second === "object" && second !== null && "kind" in second) {
    const context = second as ClassMethodDecoratorContext;
    if (context.kind !== "method") throw new NnbenchError("@cachedMemo decorates a method (call)", "ERR_MEMO");
    return wrap(first as MemoCall<object, unknown>);
  }
  if (args.length === 3 && typeof third === "object" && third !== null && typeof (third as PropertyDescriptor).value === "function") {
    const descriptor = third as PropertyDescriptor;
    return { ...descriptor, value: wrap(descriptor.value as MemoCall<object, unknown>) };
  }
  throw new NnbenchError("@cachedMemo decorates a method (call)", "ERR_MEMO");
}

function wrap<T>(original: MemoCall<object, T>): MemoCall<object, T> {
  const wrapped = function (this: object): T | Promise<T> {
    return cachedCall(this, () => original.call(this));
  };
  Object.defineProperty(wrapped, "name", { value: original.name });
  return wrapped;
}

class FunctionMemo<T> extends Memo<T> {
  readonly #factory: () => T | Promise<T>;
  readonly #name: string;

  constructor(factory: () => T | Promise<T>, name: string, disposer: ((value: T) => void | PromiseLike<void>) | undefined) {
    super();
    this.#factory = factory;
    this.#name = name;
    if (disposer !== undefined) this.disposer = disposer;
  }

  call(): T | Promise<T> {
    return cachedCall(this, this.#factory);
  }

  override toString(): string {
    return this.#name;
  }
}

/** Options of `memo()`. */
export interface MemoOptions<T> {
  /** The name shown in benchmark names and results; defaults to the factory's own name. */
  name?: string;
  /** Frees the value on eviction instead of the default dispose methods (see `Memo.disposer`). */
  disposer?: (value: T) => void | PromiseLike<void>;
}

/**
 * Makes a cached memo from a function: `memo(() => Model.load("m.npz"), "m")`. It shows as `name` (or
 * `options.name`), or the factory's own name.
 */
export function memo<T>(factory: () => T | Promise<T>, nameOrOptions?: string | MemoOptions<T>): Memo<T> {
  if (typeof factory !== "function") throw new TypeError("memo() takes a function that computes the value");
  const options: MemoOptions<T> = typeof nameOrOptions === "string" ? { name: nameOrOptions } : (nameOrOptions ?? {});
  if (options.disposer !== undefined && typeof options.disposer !== "function") throw new TypeError("memo(): disposer must be a function");
  return new FunctionMemo(factory, options.name ?? (factory.name || "memo"), options.disposer);
}

/** Options of `evictMemo()` and `clearMemoCache()`. */
export interface EvictOptions {
  /** Dispose the value (see `disposeValue`), freeing its memory now. Default true. */
  dispose?: boolean;
  /** Frees the value instead of the memo's own `disposer` or the default dispose methods. */
  disposer?: Disposer;
}

/**
 * Removes a memo's value from the cache and returns it (undefined if it was not cached or still loading).
 * With `dispose` (the default) the value is disposed, so a Model or Tensor frees its native memory at once;
 * a value still loading is disposed when it arrives. An asynchronous disposal is not awaited here (a
 * failure becomes a process warning): use `evictMemoAsync` to wait for it. Evicting twice is harmless.
 */
export function evictMemo(memo: Memo<unknown>, options: EvictOptions = {}): unknown {
  const { value, disposal } = evict(memo, options);
  void disposal?.catch(warnDisposeFailed);
  return value;
}

/** Like `evictMemo`, and resolves once the value's (possibly asynchronous) disposal has finished. */
export async function evictMemoAsync(memo: Memo<unknown>, options: EvictOptions = {}): Promise<unknown> {
  const { value, disposal } = evict(memo, options);
  await disposal;
  return value;
}

function evict(memo: Memo<unknown>, options: EvictOptions): { value: unknown; disposal: Promise<void> | undefined } {
  const dispose = options.dispose ?? true;
  const c = cache();
  const entry = c.byMemo.get(memo);
  if (entry === undefined) return { value: undefined, disposal: undefined };
  removeEntry(memo, entry);
  if (!entry.ready) {
    entry.evicted = { dispose, disposer: options.disposer };
    return { value: undefined, disposal: undefined };
  }
  const value = entry.value;
  entry.value = undefined;
  if (!dispose) return { value, disposal: undefined };
  try {
    return { value, disposal: runDisposer(value, options.disposer ?? disposerOf(memo)) };
  } catch (e) {
    return { value, disposal: Promise.reject(e instanceof Error ? e : new Error(String(e))) };
  }
}

/** Records how many bytes a memo's cached value holds (the runner measures it as the memo loads). */
export function setMemoBytes(memo: Memo<unknown>, bytes: number): void {
  const entry = cache().byMemo.get(memo);
  if (entry !== undefined) entry.bytes = Math.max(0, bytes);
}

/** A cached memo with the bytes its value holds and when it was last used (a larger number is later). */
export interface CachedMemoInfo {
  memo: Memo<unknown>;
  bytes: number;
  lastUsed: number;
}

/** Every memo with a cached value, least recently used first. */
export function cachedMemos(): CachedMemoInfo[] {
  const out: CachedMemoInfo[] = [];
  for (const entry of cache().live) {
    const m = entry.memo.deref();
    if (m !== undefined && entry.ready) out.push({ memo: m as Memo<unknown>, bytes: entry.bytes, lastUsed: entry.lastUsed });
  }
  return out.sort((a, b) => a.lastUsed - b.lastUsed);
}

/** The memo whose cached value is `value` (compared by identity), or undefined. */
export function getMemoByValue<T>(value: T): Memo<T> | undefined {
  for (const entry of cache().live) {
    if (entry.ready && entry.value === value) {
      const m = entry.memo.deref();
      if (m !== undefined) return m as Memo<T>;
    }
  }
  return undefined;
}

/** Whether `memo` currently has a cached (or loading) value. */
export function isMemoCached(memo: Memo<unknown>): boolean {
  return cache().byMemo.has(memo);
}

/** The number of memos with a cached (or loading) value. */
export function memoCacheSize(): number {
  return cache().live.size;
}

/** Evicts every memo; with `dispose` (the default) every cached value is disposed. */
export function clearMemoCache(options: EvictOptions = {}): void {
  for (const entry of [...cache().live]) {
    const m = entry.memo.deref();
    if (m !== undefined) evictMemo(m as Memo<unknown>, options);
    else cache().live.delete(entry);
  }
}
