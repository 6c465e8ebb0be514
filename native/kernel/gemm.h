// Matrix multiplication for row-major float32 and float64 matrices: runtime ISA dispatch, cache
// blocking over packed panels, a bandwidth-bound path for matrix-vector products, and a persistent
// thread pool. Pure C++17; every function here is safe to call from several threads at once.
#pragma once

#include <cstdint>

namespace nnbench::kernel {

/** Instruction sets a kernel is compiled for, from least to most capable. */
enum class Isa : int { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

/** "portable", "avx2" (AVX2 + FMA) or "avx512" (AVX-512 F/BW/DQ/VL + FMA). */
const char* IsaName(Isa isa);

/** Parses an IsaName(); returns false for any other text. */
bool ParseIsa(const char* name, Isa* out);

/** The most capable ISA that both the CPU and the operating system support (cpuid + XCR0). */
Isa DetectIsa();

/** The ISA that products use now. Initially DetectIsa(). */
Isa ActiveIsa();

/**
 * Makes products use `isa` (for tests and comparisons). Returns false, changing nothing, when the
 * CPU or this build cannot run it.
 */
bool SetIsa(Isa isa);

/** Register tile and cache blocking of the active kernel for one element type. */
struct TileInfo {
  int mr;  // rows of C held in registers
  int nr;  // columns of C held in registers
  int kc;  // depth of one packed block
  int mc;  // rows of A packed per block
  int nc;  // columns of B packed per block
  int few_columns;  // products with 2..few_columns columns compute inner products instead
};

TileInfo SgemmTile();
TileInfo DgemmTile();

/** Threads a product may use (at least 1). The pool is created lazily and resized on change. */
void SetNumThreads(int threads);
int GetNumThreads();

/** Element offsets of one product within a batch: A at a, B at b, C at c. */
struct BatchItem {
  int64_t a;
  int64_t b;
  int64_t c;
};

/**
 * For each of `batch` items, C = A * B with A m x k (row stride lda), B k x n (row stride ldb) and
 * C m x n (row stride ldc), all row-major, starting at the item's offsets. C is overwritten, never
 * read, so whatever it held before (NaN included) does not leak into the result. With k == 0, C is
 * set to zeros. NaN and infinities propagate as in the exact sum of products: edge tiles are padded
 * with zeros only in rows and columns that are never stored. Blocks the calling thread until done.
 */
void Gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float* c, int64_t ldc, const BatchItem* items, int64_t batch);
void Gemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b,
          int64_t ldb, double* c, int64_t ldc, const BatchItem* items, int64_t batch);

/**
 * Measures the machine's float32 multiply-add throughput with the active ISA: `threads` threads
 * run independent FMA chains for about `seconds`. Returns GFLOP/s (one FMA counts as 2 flops).
 */
double FmaPeakGflops(double seconds, int threads);

}  // namespace nnbench::kernel
