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
}

/** What `gemmInfo()` reports about the kernel in use. */
export interface NativeGemmInfo {
  isa: GemmIsa;
  detectedIsa: GemmIsa;
  availableIsas: GemmIsa[];
  float32Tile: string;
  float64Tile: string;
  float32Blocking: GemmBlocking;
  float64Blocking: GemmBlocking;
  threads: number;
  compiler: string;
}

export interface GemmBinding {
  /**
   * out = a @ b (row-major, contiguous m x k times k x n) for each product; `offsets` holds three
   * element offsets (a, b, out) per product, or is omitted for one product at offset 0.
   */
  gemm(
    a: NativeStorage,
    b: NativeStorage,
    out: NativeStorage,
    dtype: "float32" | "float64",
    m: number,
    n: number,
    k: number,
    offsets?: Float64Array,
  ): void;
  /** `gemm` on the libuv thread pool; the storages stay pinned until the promise settles. */
  gemmAsync(
    a: NativeStorage,
    b: NativeStorage,
    out: NativeStorage,
    dtype: "float32" | "float64",
    m: number,
    n: number,
    k: number,
    offsets?: Float64Array,
  ): Promise<void>;
  setGemmThreads(threads: number): void;
  getGemmThreads(): number;
  /** Returns false (and changes nothing) when the CPU cannot run `isa`. */
  setGemmIsa(isa: GemmIsa): boolean;
  gemmInfo(): NativeGemmInfo;
  /** Measured float32 FMA throughput of the active ISA in GFLOP/s. */
  fmaPeak(seconds: number, threads: number): number;
}
