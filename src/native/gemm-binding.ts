/** The native matrix-multiplication functions, as the addon exports them. */
import type { NativeStorage } from "./addon.js";

/** Instruction sets the GEMM kernel is built for. */
export type GemmIsa = "portable" | "avx2" | "avx512";

/** Register tile and cache blocking of one kernel. */
export interface GemmBlocking {
  /** Rows of C in registers. */
  mr: number;
  /** Columns of C in registers. */
  nr: number;
  /** Depth of a packed block. */
  kc: number;
  /** Rows of A packed per block. */
  mc: number;
  /** Columns of B packed per block. */
  nc: number;
  /**
   * Products whose B has 2 to this many columns (a model applied to a small batch) compute inner
   * products rather than register tiles; 0 when the kernel has no such path.
   */
  fewColumns: number;
}

/** The GEMM kernel in use, from `gemmInfo()`. */
export interface GemmInfo {
  /** Instruction set the kernel runs now. */
  isa: GemmIsa;
  /** The best instruction set this CPU and OS support. */
  detectedIsa: GemmIsa;
  /** Every instruction set `setGemmIsa` accepts on this machine. */
  availableIsas: GemmIsa[];
  /** Register tile of the float32 kernel, rows x columns (e.g. `"14x32"`). */
  float32Tile: string;
  /** Register tile of the float64 kernel. */
  float64Tile: string;
  float32Blocking: GemmBlocking;
  float64Blocking: GemmBlocking;
  /**
   * Paths of products with bfloat16 / float16 weights: `fewColumns` for 1 to 16 columns (e.g.
   * `"avx512bf16 pairs"`), `wide` for more, `conversion` the instructions `astype` uses.
   */
  halfWeights: Record<"bfloat16" | "float16", { fewColumns: string; wide: string; conversion: string }>;
  /** Threads a product may use. */
  threads: number;
  /** Compiler that built the addon. */
  compiler: string;
}

/**
 * The arguments of one gemm call: out = a @ b (row-major, contiguous m x k times k x n) for each
 * product; `offsets` holds three element offsets (a, b, out) per product, or is omitted for one
 * product at offset 0.
 */
export type GemmArguments = [
  a: NativeStorage,
  b: NativeStorage,
  out: NativeStorage,
  /** The dtype of `a`; b and out are float32 when it is bfloat16 or float16. */
  dtype: "float32" | "float64" | "bfloat16" | "float16",
  m: number,
  n: number,
  k: number,
  offsets?: Float64Array | undefined,
];

export interface GemmBinding {
  /** The products {@link GemmArguments} describe, on this thread. */
  gemm(...args: GemmArguments): void;
  /** `gemm` on the libuv thread pool; the storages stay pinned until the promise settles. */
  gemmAsync(...args: GemmArguments): Promise<void>;
  setGemmThreads(threads: number): void;
  getGemmThreads(): number;
  /** Returns false (and changes nothing) when the CPU cannot run `isa`. */
  setGemmIsa(isa: GemmIsa): boolean;
  gemmInfo(): GemmInfo;
  /** Measured float32 FMA throughput of the active ISA in GFLOP/s; with `weights`, that of their few-column kernel (0: none). */
  fmaPeak(seconds: number, threads: number, weights?: "bfloat16" | "float16"): number;
}
