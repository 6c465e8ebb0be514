/**
 * Defining benchmarks: `benchmark()` for one, `parametrize()` and `product()` for families.
 */

import { NnbenchError, ParameterError, ParameterSyntaxError } from "../errors.js";
import { isMemo, type MemoValue } from "./memo.js";
import { parseParameters } from "./params.js";
import { parseByteSize } from "../text/byte-size.js";
import type {
  Benchmark,
  BenchmarkFamily,
  BenchmarkFunction,
  BenchmarkOptions,
  BenchmarkOrigin,
  CommonOptions,
  FamilyOptions,
  Hook,
  ParamInterface,
  Params,
} from "../types.js";

const BENCHMARK_BRAND = Symbol.for("nnbench.benchmark");
const FAMILY_BRAND = Symbol.for("nnbench.family");

/** True for a benchmark made by any copy of nnbench. */
export function isBenchmark(value: unknown): value is Benchmark {
  return typeof value === "object" && value !== null && (value as { [BENCHMARK_BRAND]?: unknown })[BENCHMARK_BRAND] === true;
}

/** True for a benchmark family made by any copy of nnbench. */
export function isBenchmarkFamily(value: unknown): value is BenchmarkFamily {
  return typeof value === "object" && value !== null && (value as { [FAMILY_BRAND]?: unknown })[FAMILY_BRAND] === true;
}

/** The parameter types a family's values give its function: memos stand for the values they produce. */
export type ResolvedParams<S> = { [K in keyof S]: MemoValue<S[K]> };

/**
 * Accepts a function parameter type `P` when every value the family passes fits it: `P[K]` must accept
 * `A[K]` for each key the family binds. Keys the family does not bind come from the run or fixtures.
 */
export type AcceptsParams<A, P> = {
  [K in keyof P]: K extends keyof A ? (A[K] extends P[K] ? P[K] : A[K]) : P[K];
};

type AxisValues<I> = { [K in keyof I]: I[K] extends Iterable<infer E> ? MemoValue<E> : never };

function readInterface(fn: BenchmarkFunction, fnName: string, names: readonly string[] | undefined): ParamInterface {
  if (names !== undefined) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== "string"))
      throw new TypeError(`the params option of ${fnName} must be an array of parameter names`);
    return { names: [...names], required: [...names], defaults: {}, rest: false };
  }
  const parsed = parseParameters(fn);
  if (parsed.kind === "none") return { names: [], required: [], defaults: {}, rest: false };
  if (parsed.kind === "positional") throw new ParameterSyntaxError(fnName, parsed.reason);
  return parsed.info;
}

function checkOptions(options: CommonOptions, what: string): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: options must be an object`);
  for (const hook of ["setUp", "tearDown"] as const) {
    const h = options[hook];
    if (h !== undefined && typeof h !== "function") throw new TypeError(`${what}: ${hook} must be a function`);
  }
  if (options.tags !== undefined && (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== "string")))
    throw new TypeError(`${what}: tags must be an array of strings`);
  for (const key of ["repeat", "warmup", "timeout"] as const) {
    const v = options[key];
    if (v === undefined) continue;
    const min = key === "repeat" ? 1 : 0;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || (key !== "timeout" && !Number.isInteger(v)))
      throw new RangeError(`${what}: ${key} must be ${key === "timeout" ? "a number of milliseconds" : "an integer"} >= ${min}, got ${String(v)}`);
  }
}

function memoryLimitOf(options: CommonOptions, what: string): number | undefined {
  return options.memoryLimit === undefined ? undefined : parseByteSize(options.memoryLimit, `${what}: memoryLimit`);
}

interface Shared {
  fn: BenchmarkFunction;
  functionName: string;
  description: string;
  tags: readonly string[];
  interface: ParamInterface;
  setUp: Hook | undefined;
  tearDown: Hook | undefined;
  repeat: number | undefined;
  warmup: number | undefined;
  timeout: number | undefined;
  memoryLimit: number | undefined;
}

function shared(fn: BenchmarkFunction, options: CommonOptions, what: string): Shared {
  if (typeof fn !== "function") throw new TypeError(`${what}: expected a benchmark function, got ${typeof fn}`);
  checkOptions(options, what);
  const functionName = fn.name || "benchmark";
  return {
    fn,
    functionName,
    description: options.description ?? "",
    tags: Object.freeze([...(options.tags ?? [])]),
    interface: readInterface(fn, functionName, options.params),
    setUp: options.setUp,
    tearDown: options.tearDown,
    repeat: options.repeat,
    warmup: options.warmup,
    timeout: options.timeout,
    memoryLimit: memoryLimitOf(options, what),
  };
}

function makeBenchmark(
  base: Shared,
  name: string,
  bound: Params,
  family: string,
  familySize: number,
  familyIndex: number,
  origin: BenchmarkOrigin | undefined,
): Benchmark {
  const bm: Benchmark = { kind: "benchmark", name, ...base, bound, family, familySize, familyIndex, origin };
  Object.defineProperty(bm, BENCHMARK_BRAND, { value: true });
  return bm;
}

/**
 * Defines one benchmark. The function takes one object of named parameters (`({ model, data }) => ...`);
 * the names come from its destructuring pattern, or from the `params` option.
 *
 * ```ts
 * export const sum = benchmark(function sum({ n = 1000 }: { n?: number }) { ... }, { tags: ["fast"] });
 * ```
 */
export function benchmark<P extends object>(fn: (params: P) => unknown, options: BenchmarkOptions = {}): Benchmark {
  const base = shared(fn as BenchmarkFunction, options, "benchmark()");
  if (options.name !== undefined && typeof options.name !== "string") throw new TypeError("benchmark(): name must be a string");
  const name = options.name ?? base.functionName;
  return makeBenchmark(base, name, Object.freeze({}), name, 1, 0, undefined);
}

/** How a benchmark name shows a parameter value. */
export function formatParamValue(value: unknown): string {
  if (isMemo(value)) return String(value);
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return String(value);
    case "function":
      return value.name || "function";
    case "symbol":
      return value.description ?? "symbol";
  }
  if (value === null || value === undefined) return String(value);
  const t = value as { dtype?: unknown; shape?: unknown };
  if (typeof t.dtype === "string" && Array.isArray(t.shape)) return `${value.constructor.name}(${t.dtype}, [${t.shape.join(", ")}])`;
  if (Array.isArray(value) && value.length <= 8 && value.every((v) => typeof v !== "object" || v === null))
    return `[${value.map((v) => formatParamValue(v)).join(", ")}]`;
  const own = (value as { toString?: unknown }).toString;
  if (typeof own === "function" && own !== Object.prototype.toString && own !== Array.prototype.toString) return String(own.call(value));
  return value.constructor?.name || "object";
}

function memberName(
  nameOption: FamilyOptions<never>["name"],
  functionName: string,
  params: Params,
): string {
  if (typeof nameOption === "function") {
    const n: unknown = (nameOption as (p: Params) => unknown)(params);
    if (typeof n !== "string") throw new TypeError(`the name function of family ${functionName} must return a string`);
    return n;
  }
  if (typeof nameOption === "string" && nameOption.includes("{")) {
    return nameOption.replace(/\{([^{}]+)\}/g, (whole, key: string) =>
      Object.prototype.hasOwnProperty.call(params, key) ? formatParamValue(params[key]) : whole,
    );
  }
  const prefix = typeof nameOption === "string" ? nameOption : functionName;
  const parts = Object.entries(params).map(([k, v]) => `${k}=${formatParamValue(v)}`);
  return parts.length === 0 ? prefix : `${prefix}_${parts.join("_")}`;
}

function checkParamSet(set: unknown, base: Shared, index: number): Params {
  if (typeof set !== "object" || set === null || Array.isArray(set))
    throw new TypeError(`parameter set ${index} of family ${base.functionName} must be an object of named parameters`);
  const params = set as Params;
  if (!base.interface.rest) {
    for (const key of Object.keys(params)) {
      if (!base.interface.names.includes(key))
        throw new ParameterError(
          `benchmark ${base.functionName}() got an unexpected parameter ${JSON.stringify(key)} (it takes ${base.interface.names.join(", ") || "none"})`,
          key,
          base.functionName,
          "ERR_UNEXPECTED_PARAMETER",
        );
    }
  }
  return Object.freeze({ ...params });
}

function isOneShot(iterable: Iterable<unknown>): boolean {
  // An iterator that is its own iterable (generators, `array.values()`) can be walked only once.
  const it = iterable as Partial<Iterator<unknown>>;
  return typeof it.next === "function";
}

function sizeOf(iterable: Iterable<unknown>): number {
  if (Array.isArray(iterable)) return iterable.length;
  if (iterable instanceof Set || iterable instanceof Map) return iterable.size;
  return -1;
}

class Family implements BenchmarkFamily {
  readonly kind = "family" as const;
  readonly name: string;
  readonly functionName: string;
  readonly fn: BenchmarkFunction;
  readonly description: string;
  readonly tags: readonly string[];
  readonly interface: ParamInterface;
  readonly size: number;
  readonly keys: readonly string[] | undefined;
  readonly paramSets: readonly Params[] | undefined;
  origin: BenchmarkOrigin | undefined = undefined;
  readonly #base: Shared;
  readonly #source: () => Iterator<unknown>;
  readonly #nameOption: FamilyOptions<never>["name"];
  readonly #oneShot: boolean;
  #consumed = false;

  constructor(
    base: Shared,
    nameOption: FamilyOptions<never>["name"],
    source: () => Iterator<unknown>,
    size: number,
    keys: readonly string[] | undefined,
    paramSets: readonly Params[] | undefined,
    oneShot: boolean,
  ) {
    this.#base = base;
    this.fn = base.fn;
    this.functionName = base.functionName;
    this.description = base.description;
    this.tags = base.tags;
    this.interface = base.interface;
    this.name = typeof nameOption === "string" && !nameOption.includes("{") ? nameOption : base.functionName;
    this.size = size;
    this.keys = keys;
    this.paramSets = paramSets;
    this.#nameOption = nameOption;
    this.#source = source;
    this.#oneShot = oneShot;
    Object.defineProperty(this, FAMILY_BRAND, { value: true });
  }

  *[Symbol.iterator](): Iterator<Benchmark> {
    if (this.#oneShot) {
      if (this.#consumed)
        throw new NnbenchError(
          `family ${this.name} was built from a one-shot iterator (a generator) and has already been iterated; ` +
            `pass an array, or a new generator for each run`,
          "ERR_FAMILY_CONSUMED",
        );
      this.#consumed = true;
    }
    const seen = new Set<string>();
    const it = this.#source();
    for (let index = 0; ; index++) {
      const r = it.next();
      if (r.done === true) return;
      const params = this.paramSets?.[index] ?? checkParamSet(r.value, this.#base, index);
      const name = memberName(this.#nameOption, this.functionName, params);
      if (seen.has(name))
        process.emitWarning(`family ${this.name} has more than one benchmark named ${JSON.stringify(name)}`, {
          code: "NNBENCH_DUPLICATE_NAME",
        });
      seen.add(name);
      yield makeBenchmark(this.#base, name, params, this.name, this.size, index, this.origin);
    }
  }
}

/**
 * Defines a family of benchmarks, one per parameter set. `paramSets` is consumed lazily: a generator is
 * never materialized, each member exists only while it runs, and the family's size is then unknown (-1)
 * and it can be run once. An array or Set gives a family of known size that can be run repeatedly.
 *
 * ```ts
 * export const mm = parametrize([{ n: 64 }, { n: 128 }])(function matmul({ n }: { n: number }) { ... });
 * ```
 */
export function parametrize<S extends Record<string, unknown>>(
  paramSets: Iterable<S>,
  options: FamilyOptions<ResolvedParams<S>> = {},
): <P extends AcceptsParams<ResolvedParams<S>, P>>(fn: (params: P) => unknown) => BenchmarkFamily {
  if (paramSets === null || typeof (paramSets as Partial<Iterable<S>>)[Symbol.iterator] !== "function")
    throw new TypeError("parametrize() takes an iterable of parameter sets");
  checkOptions(options, "parametrize()");
  return (fn) => {
    const base = shared(fn as BenchmarkFunction, options, "parametrize()");
    const oneShot = isOneShot(paramSets);
    let sets: Params[] | undefined;
    let keys: string[] | undefined;
    if (!oneShot && Array.isArray(paramSets)) {
      sets = paramSets.map((s, i) => checkParamSet(s, base, i));
      keys = [...new Set(sets.flatMap((s) => Object.keys(s)))];
    }
    const source = sets !== undefined ? () => sets![Symbol.iterator]() : () => paramSets[Symbol.iterator]();
    return new Family(base, options.name as FamilyOptions<never>["name"], source, sizeOf(paramSets), keys, sets, oneShot);
  };
}

/**
 * Defines a family over the cartesian product of named iterables; the last name varies fastest.
 * The axes are iterated repeatedly, so they are read into arrays once (memos in them load only when used).
 *
 * ```ts
 * export const accuracy = product({ model: memos, batch: [1, 8] })(
 *   function accuracy({ model, batch }: { model: Model; batch: number }) { ... });
 * ```
 */
export function product<I extends Record<string, Iterable<unknown>>>(
  iterables: I,
  options: FamilyOptions<AxisValues<I>> = {},
): <P extends AcceptsParams<AxisValues<I>, P>>(fn: (params: P) => unknown) => BenchmarkFamily {
  if (typeof iterables !== "object" || iterables === null) throw new TypeError("product() takes an object of named iterables");
  const axes: Array<[string, unknown[]]> = Object.entries(iterables).map(([k, v]) => {
    if (v === null || typeof (v as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function" || typeof v === "string")
      throw new TypeError(`product(): ${k} must be an iterable of values (an array, Set or generator)`);
    return [k, [...v]];
  });
  checkOptions(options, "product()");
  return (fn) => {
    const base = shared(fn as BenchmarkFunction, options, "product()");
    const sets: Params[] = [];
    const walk = (i: number, acc: Record<string, unknown>): void => {
      const axis = axes[i];
      if (axis === undefined) {
        sets.push(checkParamSet({ ...acc }, base, sets.length));
        return;
      }
      for (const v of axis[1]) walk(i + 1, { ...acc, [axis[0]]: v });
    };
    if (axes.length > 0) walk(0, {});
    const keys = axes.map(([k]) => k);
    return new Family(base, options.name as FamilyOptions<never>["name"], () => sets[Symbol.iterator](), sets.length, keys, sets, false);
  };
}
