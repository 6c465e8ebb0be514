/**
 * Element types: their names, codes shared with the addon, sizes and typed-array views.
 */
import { DTypeError } from "../errors.js";

/**
 * Element types a tensor can hold. The 16-bit floats `float16` and `bfloat16` store weights: they
 * convert with `astype` and take part in `matmul` as the weights (left operand) only.
 */
export type DType =
  | "float16"
  | "bfloat16"
  | "float32"
  | "float64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool";

/** The typed array that views each dtype's bytes (float16 and bfloat16 as raw `Uint16Array` bits, bool as bytes). */
export interface TypedArrayFor {
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

/** Any typed array a tensor can be viewed as. */
export type TensorTypedArray = TypedArrayFor[DType];

type TypedArrayConstructor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TensorTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

interface DTypeInfo {
  readonly code: number;
  readonly itemSize: number;
  readonly array: TypedArrayConstructor;
}

const INFO: Readonly<Record<DType, DTypeInfo>> = {
  float16: { code: 0, itemSize: 2, array: Uint16Array },
  float32: { code: 1, itemSize: 4, array: Float32Array },
  float64: { code: 2, itemSize: 8, array: Float64Array },
  int8: { code: 3, itemSize: 1, array: Int8Array },
  int16: { code: 4, itemSize: 2, array: Int16Array },
  int32: { code: 5, itemSize: 4, array: Int32Array },
  int64: { code: 6, itemSize: 8, array: BigInt64Array },
  uint8: { code: 7, itemSize: 1, array: Uint8Array },
  uint16: { code: 8, itemSize: 2, array: Uint16Array },
  uint32: { code: 9, itemSize: 4, array: Uint32Array },
  uint64: { code: 10, itemSize: 8, array: BigUint64Array },
  bool: { code: 11, itemSize: 1, array: Uint8Array },
  bfloat16: { code: 12, itemSize: 2, array: Uint16Array },
};

/** Every dtype name. */
export const DTYPES: readonly DType[] = Object.keys(INFO) as DType[];

/** True when `value` names a dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(INFO, value);
}

function info(dtype: DType): DTypeInfo {
  if (!isDType(dtype)) throw new DTypeError(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(", ")}`);
  return INFO[dtype];
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return info(dtype).itemSize;
}

/** The code the addon uses for `dtype`. */
export function dtypeCode(dtype: DType): number {
  return info(dtype).code;
}

/** A typed array of `dtype` over `buffer` (no copy). */
export function typedView<D extends DType>(dtype: D, buffer: ArrayBufferLike, byteOffset = 0, length?: number): TypedArrayFor[D] {
  const ctor = info(dtype).array;
  return (length === undefined ? new ctor(buffer, byteOffset) : new ctor(buffer, byteOffset, length)) as TypedArrayFor[D];
}

/** The floating-point dtypes, which `astype` converts between. */
export type FloatDType = "float16" | "bfloat16" | "float32" | "float64";

/** True for float16, bfloat16, float32 and float64. */
export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === "float16" || dtype === "bfloat16" || dtype === "float32" || dtype === "float64";
}

/** True for the 16-bit float dtypes, whose typed arrays hold raw bits. */
export function isHalfDType(dtype: DType): dtype is "float16" | "bfloat16" {
  return dtype === "float16" || dtype === "bfloat16";
}

/** True for dtypes whose typed array holds bigints. */
export function isBigIntDType(dtype: DType): dtype is "int64" | "uint64" {
  return dtype === "int64" || dtype === "uint64";
}

/** The dtype a typed array holds by default (`Uint8Array` is uint8, `Uint16Array` uint16). */
export function dtypeOfTypedArray(array: ArrayBufferView): DType | undefined {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int8Array) return "int8";
  if (array instanceof Int16Array) return "int16";
  if (array instanceof Int32Array) return "int32";
  if (array instanceof BigInt64Array) return "int64";
  if (array instanceof Uint8Array || array instanceof Uint8ClampedArray) return "uint8";
  if (array instanceof Uint16Array) return "uint16";
  if (array instanceof Uint32Array) return "uint32";
  if (array instanceof BigUint64Array) return "uint64";
  return undefined;
}
