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
  evicted: { dispose: boolean } | undefined;
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

/**
 * Frees a value's resources: calls `[Symbol.dispose]()` or `dispose()` on it, or on each element of a
 * plain array or object that holds such values (a dataset memo returning `{ x, y }` tensors).
 */
export function disposeValue(value: unknown): void {
  if (disposeOne(value)) return;
  if (Array.isArray(value)) for (const v of value) disposeOne(v);
  else if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) disposeOne(v);
}

function disposeOne(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const d = (value as { [Symbol.dispose]?: unknown })[Symbol.dispose];
  if (typeof d === "function") {
    d.call(value);
    return true;
  }
  const f = (value as { dispose?: unknown }).dispose;
  if (typeof f === "function") {
    f.call(value);
    return true;
  }
  return false;
}

function cachedCall<T>(memo: object, compute: () => T | Promise<T>): T | Promise<T> {
  const c = cache();
  const hit = c.byMemo.get(memo);
  if (hit !== undefined) return (hit.ready ? hit.value : hit.promise) as T | Promise<T>;
  const out = compute();
  const entry: Entry = { memo: new WeakRef(memo), ready: false, value: undefined, promise: undefined, evicted: undefined };
  if (isPromiseLike(out)) {
    entry.promise = Promise.resolve(out).then(
      (value) => {
        if (entry.evicted !== undefined) {
          // Evicted while loading: nobody will evict it again, so release it now.
          if (entry.evicted.dispose) disposeValue(value);
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

  constructor(factory: () => T | Promise<T>, name: string) {
    super();
    this.#factory = factory;
    this.#name = name;
  }

  call(): T | Promise<T> {
    return cachedCall(this, this.#factory);
  }

  override toString(): string {
    return this.#name;
  }
}

/**
 * Makes a cached memo from a function: `memo(() => Model.load("m.npz"), "m")`. It shows as `name`, or the
 * factory's own name.
 */
export function memo<T>(factory: () => T | Promise<T>, name?: string): Memo<T> {
  if (typeof factory !== "function") throw new TypeError("memo() takes a function that computes the value");
  return new FunctionMemo(factory, name ?? (factory.name || "memo"));
}

/** Options of `evictMemo()` and `clearMemoCache()`. */
export interface EvictOptions {
  /** Dispose the value (`[Symbol.dispose]()` or `dispose()`), freeing its native memory now. Default true. */
  dispose?: boolean;
}

/**
 * Removes a memo's value from the cache and returns it (undefined if it was not cached or still loading).
 * With `dispose` (the default) the value is disposed, so a Model or Tensor frees its native memory at once;
 * a value still loading is disposed when it arrives. Evicting twice is harmless.
 */
export function evictMemo(memo: Memo<unknown>, options: EvictOptions = {}): unknown {
  const dispose = options.dispose ?? true;
  const c = cache();
  const entry = c.byMemo.get(memo);
  if (entry === undefined) return undefined;
  removeEntry(memo, entry);
  if (!entry.ready) {
    entry.evicted = { dispose };
    return undefined;
  }
  const value = entry.value;
  entry.value = undefined;
  if (dispose) disposeValue(value);
  return value;
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
