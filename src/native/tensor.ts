/**
 * `Tensor`: an n-dimensional, C-contiguous array in native memory owned by the addon.
 */
import { createRequire } from "node:module";

import type ndarray from "ndarray";
import type { NdArray } from "ndarray";

import { DTypeError, DisposedError, ShapeError } from "../errors.js";
import { addon, type NativeStorage } from "./addon.js";
import {
  type DType,
  type TensorTypedArray,
  type TypedArrayFor,
  dtypeCode,
  dtypeOfTypedArray,
  isBigIntDType,
  isDType,
  isFloatDType,
  isHalfDType,
  itemSize,
  typedView,
} from "./dtype.js";
import { floatToBfloat16Bits, floatToHalfBits } from "./half.js";
import { type MatmulOptions, matmul, matmulAsync } from "./matmul.js";

/** The ndarray package, loaded on the first `toNdarray()` (importing nnbench does not pay for it). */
let ndarrayFunction: typeof ndarray | undefined;
function ndarrayModule(): typeof ndarray {
  return (ndarrayFunction ??= createRequire(import.meta.url)("ndarray") as typeof ndarray);
}

/** Values `Tensor.fromArray` accepts: a typed array or a plain array of numbers, bigints or booleans. */
export type ArrayInput = ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean> | TensorTypedArray;

/** The dtype `Tensor.fromArray` picks for an input when none is given. */
export type DefaultDType<A> = A extends Float64Array
  ? "float64"
  : A extends Float32Array
    ? "float32"
    : A extends Int8Array
      ? "int8"
      : A extends Int16Array
        ? "int16"
        : A extends Int32Array
          ? "int32"
          : A extends BigInt64Array
            ? "int64"
            : A extends Uint8Array
              ? "uint8"
              : A extends Uint16Array
                ? "uint16"
                : A extends Uint32Array
                  ? "uint32"
                  : A extends BigUint64Array
                    ? "uint64"
                    : "float32";

/** Checks a shape and returns a frozen copy with its element count. */
export function checkShape(shape: readonly number[]): { shape: readonly number[]; size: number } {
  if (!Array.isArray(shape)) throw new ShapeError(`shape must be an array of non-negative integers, got ${String(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`shape must hold non-negative integers, got [${shape.join(", ")}]`);
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) throw new ShapeError(`shape [${shape.join(", ")}] has too many elements`);
  return { shape: Object.freeze([...shape]), size };
}

/** Formats a shape as NumPy prints it in messages, e.g. `(3, 4)`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** Allocates native storage of `byteLength` bytes; with `zero`, it reads as zeros. */
export function newStorage(byteLength: number, zero: boolean): NativeStorage {
  return new addon.Storage(byteLength, zero);
}

const CONSTRUCT = Symbol("Tensor.construct");

/** Internal: the storage behind a tensor (throws `DisposedError` when it is disposed). */
export let storageOf: (tensor: Tensor) => NativeStorage;

/**
 * An n-dimensional, C-contiguous array in native memory, outside the V8 heap.
 *
 * A tensor owns its bytes: `dispose()` (or a `using` declaration) frees them at once, and every
 * view handed out by `data()` becomes empty. A tensor that is never disposed is freed when it and
 * all its views are garbage-collected.
 */
export class Tensor<D extends DType = DType> implements Disposable {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;
  /** Number of elements. */
  readonly size: number;
  /** Bytes of data (`size` x item size). */
  readonly byteLength: number;
  readonly #storage: NativeStorage;

  static {
    storageOf = (tensor: Tensor): NativeStorage => {
      if (tensor.#storage.disposed) throw new DisposedError("Tensor");
      return tensor.#storage;
    };
  }

  /** @internal Use `Tensor.zeros`, `Tensor.fromArray` or a loader. */
  constructor(token: typeof CONSTRUCT, storage: NativeStorage, shape: readonly number[], dtype: D) {
    if (token !== CONSTRUCT) throw new TypeError("Tensor cannot be constructed directly; use Tensor.zeros or Tensor.fromArray");
    const checked = checkShape(shape);
    this.shape = checked.shape;
    this.size = checked.size;
    this.dtype = dtype;
    this.byteLength = checked.size * itemSize(dtype);
    if (storage.byteLength !== this.byteLength) {
      throw new ShapeError(`storage of ${storage.byteLength} bytes does not hold ${formatShape(shape)} ${dtype}`);
    }
    this.#storage = storage;
  }

  /** A tensor of zeros. */
  static zeros<T extends DType = "float32">(shape: readonly number[], dtype?: T): Tensor<T> {
    return Tensor.#allocate(shape, (dtype ?? "float32") as T, true);
  }

  /** A tensor whose contents are unspecified until written (faster than `zeros` for large outputs). */
  static empty<T extends DType = "float32">(shape: readonly number[], dtype?: T): Tensor<T> {
    return Tensor.#allocate(shape, (dtype ?? "float32") as T, false);
  }

  static #allocate<T extends DType>(shape: readonly number[], dtype: T, zero: boolean): Tensor<T> {
    if (!isDType(dtype)) throw new DTypeError(`unknown dtype ${JSON.stringify(dtype)}`);
    const { size } = checkShape(shape);
    return new Tensor(CONSTRUCT, newStorage(size * itemSize(dtype), zero), shape, dtype);
  }

  /**
   * Copies `data` into a new tensor. `shape` defaults to `[data.length]`; `dtype` defaults to the
   * typed array's own type, or float32 for plain arrays. Numbers convert to float16 and bfloat16
   * with rounding (a `Uint16Array` is taken as their raw bits); int64/uint64 take bigints or
   * integral numbers.
   */
  static fromArray<A extends ArrayInput, T extends DType = DefaultDType<A>>(data: A, shape?: readonly number[], dtype?: T): Tensor<T> {
    const chosen = (dtype ?? (ArrayBuffer.isView(data) ? dtypeOfTypedArray(data) : undefined) ?? "float32") as T;
    const target = Tensor.empty(shape ?? [data.length], chosen);
    try {
      if (data.length !== target.size) {
        throw new ShapeError(`${data.length} values cannot fill shape ${formatShape(target.shape)} (${target.size} elements)`);
      }
      fill(target.data(), chosen, data);
      return target;
    } catch (error) {
      target.dispose();
      throw error;
    }
  }

  /** Copies an `ndarray` (any strides) into a new, C-contiguous tensor. */
  static fromNdarray<T extends DType>(nd: NdArray, dtype?: T): Tensor<T> {
    const chosen = (dtype ?? dtypeOfTypedArray(nd.data as ArrayBufferView) ?? "float32") as T;
    const target = Tensor.empty(nd.shape, chosen);
    try {
      const out = target.data();
      const shape = nd.shape;
      const index = new Array<number>(shape.length).fill(0);
      const convert = converter(chosen);
      for (let i = 0; i < target.size; i++) {
        (out as unknown as unknown[])[i] = convert(nd.get(...index) as number | bigint | boolean);
        for (let d = shape.length - 1; d >= 0; d--) {
          const next = (index[d] ?? 0) + 1;
          if (next < (shape[d] ?? 0)) {
            index[d] = next;
            break;
          }
          index[d] = 0;
        }
      }
      return target;
    } catch (error) {
      target.dispose();
      throw error;
    }
  }

  /** True once `dispose()` freed the native memory. */
  get disposed(): boolean {
    return this.#storage.disposed;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * A typed array over the native memory, without copying. It becomes empty (length 0) when the
   * tensor is disposed. float16 and bfloat16 are viewed as raw `Uint16Array` bits, bool as bytes.
   */
  data(): TypedArrayFor[D] {
    return typedView(this.dtype, storageOf(this).arrayBuffer(), 0, this.size);
  }

  /** An `ndarray` over the same native memory (no copy). */
  toNdarray(): NdArray<ndarray.Data> {
    return ndarrayModule()(this.data() as unknown as ndarray.Data, [...this.shape]);
  }

  /** A copy in new native memory. */
  clone(): Tensor<D> {
    const source = storageOf(this);
    const copy = newStorage(this.byteLength, false);
    addon.copyBytes(source, copy);
    return new Tensor(CONSTRUCT, copy, this.shape, this.dtype);
  }

  /** A copy under another shape with as many elements. */
  reshape(shape: readonly number[]): Tensor<D> {
    const { size } = checkShape(shape);
    if (size !== this.size) {
      throw new ShapeError(`cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape)}`);
    }
    const source = storageOf(this);
    const storage = newStorage(this.byteLength, false);
    addon.copyBytes(source, storage);
    return new Tensor(CONSTRUCT, storage, shape, this.dtype);
  }

  /**
   * A copy converted to another floating-point dtype (float16, bfloat16, float32, float64), in
   * native code at memory speed: rounding to nearest, ties to even; NaN stays NaN, infinities
   * and subnormals are kept where the target can hold them. The same dtype gives a plain copy.
   */
  astype<T extends DType>(dtype: T): Tensor<T> {
    if (!isDType(dtype)) throw new DTypeError(`unknown dtype ${JSON.stringify(dtype)}`);
    const source = storageOf(this);
    if ((dtype as DType) === this.dtype) return this.clone() as unknown as Tensor<T>;
    if (!isFloatDType(this.dtype) || !isFloatDType(dtype)) {
      throw new DTypeError(`astype converts between float16, bfloat16, float32 and float64, not ${this.dtype} to ${dtype}`);
    }
    const storage = newStorage(this.size * itemSize(dtype), false);
    try {
      addon.convert(source, dtypeCode(this.dtype), 0, storage, dtypeCode(dtype), 0, this.size);
    } catch (error) {
      storage.dispose();
      throw error;
    }
    return new Tensor(CONSTRUCT, storage, this.shape, dtype);
  }

  /** Sum of all elements, accumulated in float64. */
  sum(): number {
    return addon.sum(storageOf(this), dtypeCode(this.dtype));
  }

  /** Matrix product with NumPy's `@` semantics, on the native kernel (float32 or float64 operands of one dtype). */
  matmul(other: Tensor<D>, options?: MatmulOptions): Tensor<D> {
    return matmul(this, other, options) as Tensor<D>;
  }

  /** `matmul` off the JavaScript thread. The operands stay valid until the promise settles. */
  matmulAsync(other: Tensor<D>, options?: MatmulOptions): Promise<Tensor<D>> {
    return matmulAsync(this, other, options) as Promise<Tensor<D>>;
  }

  /** Frees the native memory now. Views become empty; later calls throw `DisposedError`. Idempotent. */
  dispose(): void {
    this.#storage.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A short description, e.g. `Tensor(float32, [3, 4])`. */
  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}]${this.disposed ? ", disposed" : ""})`;
  }

  /** Tensors serialize as their description, never their data. */
  toJSON(): string {
    return this.toString();
  }
}

/** Internal: wraps storage that the caller hands over into a tensor. */
export function wrapStorage<T extends DType>(storage: NativeStorage, shape: readonly number[], dtype: T): Tensor<T> {
  return new Tensor(CONSTRUCT, storage, shape, dtype);
}

function converter(dtype: DType): (v: number | bigint | boolean) => number | bigint {
  if (isBigIntDType(dtype)) {
    return (v) => {
      if (typeof v === "bigint") return v;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new DTypeError(`${String(v)} is not an integer and cannot be stored as ${dtype}`);
      return BigInt(n);
    };
  }
  if (dtype === "float16") return (v) => floatToHalfBits(Number(v));
  if (dtype === "bfloat16") return (v) => floatToBfloat16Bits(Number(v));
  if (dtype === "bool") return (v) => (v ? 1 : 0);
  return (v) => Number(v);
}

function fill(out: TensorTypedArray, dtype: DType, data: ArrayInput): void {
  const source = ArrayBuffer.isView(data) ? dtypeOfTypedArray(data) : undefined;
  const raw = source === dtype || (isHalfDType(dtype) && source === "uint16") || (dtype === "bool" && source === "uint8");
  if (raw && ArrayBuffer.isView(data)) {
    (out as Uint8Array).set(data as unknown as Uint8Array);
    return;
  }
  const convert = converter(dtype);
  const target = out as unknown as (number | bigint)[];
  for (let i = 0; i < data.length; i++) target[i] = convert(data[i] as number | bigint | boolean);
}
