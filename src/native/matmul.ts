/**
 * Matrix products with NumPy's `@` semantics for 1-D and 2-D operands.
 */
import { DTypeError, ShapeError } from "../errors.js";
import { Tensor, formatShape } from "./tensor.js";

/** Options of `Tensor.matmul`. */
export interface MatmulOptions {
  /** Write the product into this tensor (of exactly the result's shape and dtype) instead of a new one. */
  readonly out?: Tensor;
}

/** `a @ b` for float32/float64 operands of one or two dimensions. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  if (a.dtype !== b.dtype || (a.dtype !== "float32" && a.dtype !== "float64")) {
    throw new DTypeError(`matmul needs two float32 or two float64 operands, got ${a.dtype} and ${b.dtype}`);
  }
  if (a.ndim < 1 || a.ndim > 2 || b.ndim < 1 || b.ndim > 2) {
    throw new ShapeError(`matmul: operands must have 1 or 2 dimensions, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const m = a.ndim === 2 ? (a.shape[0] ?? 0) : 1;
  const k = a.shape[a.ndim - 1] ?? 0;
  const kb = b.shape[0] ?? 0;
  const n = b.ndim === 2 ? (b.shape[1] ?? 0) : 1;
  if (k !== kb) throw new ShapeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned (${k} != ${kb})`);
  const shape = [...(a.ndim === 2 ? [m] : []), ...(b.ndim === 2 ? [n] : [])];
  const out = options.out ?? Tensor.zeros(shape, a.dtype);
  const x = a.data() as Float32Array | Float64Array;
  const y = b.data() as Float32Array | Float64Array;
  const z = out.data() as Float32Array | Float64Array;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += (x[i * k + p] ?? 0) * (y[p * n + j] ?? 0);
      z[i * n + j] = acc;
    }
  }
  return out;
}

/** `matmul`, settled asynchronously. */
export async function matmulAsync(a: Tensor, b: Tensor, options: MatmulOptions = {}): Promise<Tensor> {
  return matmul(a, b, options);
}
