// Matrix multiplication for row-major float32 and float64 matrices: cache blocking over packed
// panels, a bandwidth-bound path for matrix-vector products, and a persistent thread pool, over the
// kernel table that dispatch.h picks for this CPU. Pure C++17; every function here is safe to call
// from several threads at once.
#pragma once

#include <cstdint>

#include "dispatch.h"  // ISA choice and the FMA peak probe

namespace nnbench::kernel {

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

/**
 * The operands of one product C = A * B (A m x k, B k x n, C m x n, row-major with row strides
 * lda, ldb and ldc). A's elements may be narrower than B's and C's (16-bit weights).
 */
template <typename TA, typename T = TA>
struct Product {
  int64_t m, n, k;
  const TA* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  T* c;
  int64_t ldc;
};

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

}  // namespace nnbench::kernel
