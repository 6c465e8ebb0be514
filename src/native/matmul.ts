/**
 * Matrix products with NumPy's `@` semantics on the native GEMM kernel.
 */
import { DTypeError, ShapeError } from "../errors.js";
import { addon } from "./addon.js";
import { type DType, itemSize } from "./dtype.js";
import type { GemmArguments, GemmInfo, GemmIsa } from "./gemm-binding.js";
import { Tensor, formatShape, newStorage, storageOf, wrapStorage } from "./tensor.js";

export type { GemmBlocking, GemmInfo, GemmIsa } from "./gemm-binding.js";

/** Options of `matmul` and `Tensor.matmul`. */
export interface MatmulOptions {
  /** Write the product into this tensor (exactly the result's shape and dtype) instead of a new one. */
  readonly out?: Tensor;
}

/** The dtype of the product's left operand: B and the result have `resultDtype`. */
type OperandDType = "float32" | "float64" | "bfloat16" | "float16";

interface Plan {
  dtype: OperandDType;
  resultDtype: "float32" | "float64";
  shape: number[];
  m: number;
  n: number;
  k: number;
  /** Products in the batch (0 when the result is empty). */
  batch: number;
  /** Three element offsets (a, b, out) per product; undefined for a single product at 0. */
  offsets: Float64Array | undefined;
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Checks operands as NumPy's matmul does and lays out the products. */
function plan(a: Tensor, b: Tensor): Plan {
  const halfWeights = (a.dtype === "bfloat16" || a.dtype === "float16") && b.dtype === "float32";
  if (!halfWeights && (a.dtype !== b.dtype || (a.dtype !== "float32" && a.dtype !== "float64"))) {
    throw new DTypeError(
      `matmul needs two float32 or two float64 operands, or bfloat16/float16 weights on the left of a float32 operand; got ${a.dtype} and ${b.dtype}`,
    );
  }
  const dtype = a.dtype as OperandDType;
  const resultDtype = b.dtype as "float32" | "float64";
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: operands need at least one dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const aShape = a.ndim === 1 ? [1, a.shape[0] ?? 0] : [...a.shape];
  const bShape = b.ndim === 1 ? [b.shape[0] ?? 0, 1] : [...b.shape];
  const m = aShape[aShape.length - 2] ?? 0;
  const k = aShape[aShape.length - 1] ?? 0;
  const kb = bShape[bShape.length - 2] ?? 0;
  const n = bShape[bShape.length - 1] ?? 0;
  if (k !== kb) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ${k} (last dim of a) != ${kb} (${b.ndim === 1 ? "only" : "second-to-last"} dim of b)`,
    );
  }
  // Broadcast the batch dimensions, aligned on the right.
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const batchShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[i - (rank - aBatch.length)] ?? 1;
    const db = bBatch[i - (rank - bBatch.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `matmul: batch dimensions of ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together (${da} vs ${db})`,
      );
    }
    batchShape.push(da === 1 ? db : da);
  }
  const shape = [...batchShape, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
  const batch = batchShape.reduce((p, d) => p * d, 1);
  if (batch === 0 || m === 0 || n === 0) return { dtype, resultDtype, shape, m, n, k, batch: 0, offsets: undefined };
  if (batch === 1) return { dtype, resultDtype, shape, m, n, k, batch, offsets: undefined };

  // Offsets of each product; a broadcast (size-1 or missing) dimension has stride 0.
  const aStrides = batchStrides(aBatch, rank, m * k);
  const bStrides = batchStrides(bBatch, rank, k * n);
  const offsets = new Float64Array(batch * 3);
  const index = new Array<number>(rank).fill(0);
  let aOff = 0;
  let bOff = 0;
  for (let i = 0; i < batch; i++) {
    offsets[3 * i] = aOff;
    offsets[3 * i + 1] = bOff;
    offsets[3 * i + 2] = i * m * n;
    for (let d = rank - 1; d >= 0; d--) {
      const next = (index[d] ?? 0) + 1;
      if (next < (batchShape[d] ?? 1)) {
        index[d] = next;
        aOff += aStrides[d] ?? 0;
        bOff += bStrides[d] ?? 0;
        break;
      }
      aOff -= (next - 1) * (aStrides[d] ?? 0);
      bOff -= (next - 1) * (bStrides[d] ?? 0);
      index[d] = 0;
    }
  }
  return { dtype, resultDtype, shape, m, n, k, batch, offsets };
}

/** Element strides of each broadcast batch dimension (0 where the operand has size 1 or lacks it). */
function batchStrides(dims: readonly number[], rank: number, matrix: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let stride = matrix;
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i] ?? 1;
    strides[i + rank - dims.length] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}

/** The result tensor: `out` after checking it, or a new one. The second value says whether it is new. */
function target(p: Plan, out: Tensor | undefined): [Tensor, boolean] {
  if (out === undefined) {
    const size = p.shape.reduce((s, d) => s * d, 1);
    return [wrapStorage(newStorage(size * itemSize(p.resultDtype), false), p.shape, p.resultDtype), true];
  }
  if (!(out instanceof Tensor)) throw new TypeError("matmul: options.out must be a Tensor");
  if (out.dtype !== p.resultDtype) {
    throw new DTypeError(`matmul: out has dtype ${out.dtype}, the product is ${p.resultDtype}`);
  }
  if (!sameShape(out.shape, p.shape)) {
    throw new ShapeError(`matmul: out has shape ${formatShape(out.shape)}, the product has shape ${formatShape(p.shape)}`);
  }
  return [out, false];
}

/** A checked product: its result tensor (new unless `out` was given) and the gemm call that fills it. */
interface Product {
  readonly result: Tensor;
  readonly fresh: boolean;
  /** Undefined when the product is empty and there is nothing to compute. */
  readonly args: GemmArguments | undefined;
}

function prepare(a: Tensor, b: Tensor, out: Tensor | undefined): Product {
  const p = plan(a, b);
  const sa = storageOf(a);
  const sb = storageOf(b);
  const [result, fresh] = target(p, out);
  if (p.batch === 0) return { result, fresh, args: undefined };
  return { result, fresh, args: [sa, sb, storageOf(result), p.dtype, p.m, p.n, p.k, p.offsets] };
}

/** Frees a new result whose computation failed, and rethrows. */
function discard(product: Product, error: unknown): never {
  if (product.fresh) product.result.dispose();
  throw error;
}

/**
 * The matrix product `a @ b` with NumPy's semantics: 2-D operands multiply as matrices, a 1-D
 * operand is a vector (its dimension is dropped from the result), and operands with more
 * dimensions are stacks of matrices whose leading dimensions broadcast. Both operands must be
 * float32 or both float64, or the left one bfloat16 or float16 weights and the right one float32
 * (a float32 product, accumulated in float32; see the README for its accuracy); other dtypes
 * throw `DTypeError`, misaligned shapes `ShapeError`. With
 * `options.out`, the product is written into that tensor (it must have exactly the result's
 * shape and dtype) and it is returned. NaN and infinities propagate as in the exact sum.
 */
export function matmul(a: Tensor<"bfloat16" | "float16">, b: Tensor<"float32">, options?: MatmulOptions): Tensor<"float32">;
export function matmul<D extends DType>(a: Tensor<D>, b: Tensor<D>, options?: MatmulOptions): Tensor<D>;
export function matmul<D extends DType>(a: Tensor<D>, b: Tensor<D>, options: MatmulOptions = {}): Tensor<D> {
  const product = prepare(a, b, options.out);
  if (product.args !== undefined) {
    try {
      addon.gemm(...product.args);
    } catch (error) {
      discard(product, error);
    }
  }
  return product.result as Tensor<D>;
}

/**
 * `matmul` computed off the JavaScript thread (on the libuv pool). The operands' memory stays
 * valid until the promise settles, even if they are disposed meanwhile.
 */
export function matmulAsync(a: Tensor<"bfloat16" | "float16">, b: Tensor<"float32">, options?: MatmulOptions): Promise<Tensor<"float32">>;
export function matmulAsync<D extends DType>(a: Tensor<D>, b: Tensor<D>, options?: MatmulOptions): Promise<Tensor<D>>;
export async function matmulAsync<D extends DType>(a: Tensor<D>, b: Tensor<D>, options: MatmulOptions = {}): Promise<Tensor<D>> {
  const product = prepare(a, b, options.out);
  if (product.args !== undefined) {
    try {
      await addon.gemmAsync(...product.args);
    } catch (error) {
      discard(product, error);
    }
  }
  return product.result as Tensor<D>;
}

/**
 * Sets how many threads one product may use (an integer from 1 to 1024). The default is
 * `os.availableParallelism()`. Small products always run on one thread.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new RangeError(`setNumThreads: threads must be an integer from 1 to 1024, got ${String(threads)}`);
  }
  addon.setGemmThreads(threads);
}

/** Threads one product may use. */
export function getNumThreads(): number {
  return addon.getGemmThreads();
}

/**
 * Makes products use the given instruction set, for comparisons and tests; returns false (and
 * changes nothing) when this CPU cannot run it. The initial choice is the best the CPU supports,
 * or the `NNBENCH_GEMM_ISA` environment variable (`portable`, `avx2` or `avx512`) when it names a
 * supported one.
 */
export function setGemmIsa(isa: GemmIsa): boolean {
  if (isa !== "portable" && isa !== "avx2" && isa !== "avx512") {
    throw new RangeError(`setGemmIsa: isa must be "portable", "avx2" or "avx512", got ${String(isa)}`);
  }
  return addon.setGemmIsa(isa);
}

/** The kernel in use: instruction set, register tiles, cache blocking, threads and compiler. */
export function gemmInfo(): GemmInfo {
  return addon.gemmInfo();
}

/**
 * Measures this machine's float32 multiply-add throughput with the active instruction set:
 * `threads` threads run independent FMA chains for about `seconds`. Returns GFLOP/s. With
 * `weights`, measures the multiply-adds that products with those 16-bit weights use instead (for
 * bfloat16 on CPUs with AVX512_BF16, bfloat16 pairs: twice the float32 rate); 0 when this CPU has
 * no 16-bit kernel (the products then convert to float32).
 */
export function fmaPeak(seconds = 0.25, threads = 1, weights?: "bfloat16" | "float16"): number {
  return addon.fmaPeak(seconds, threads, weights);
}
