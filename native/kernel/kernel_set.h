// The table of compiled routines one ISA provides for one element type. Each ISA translation unit
// fills a table; the driver (compiled without ISA flags) only calls through it, so no instruction
// beyond the baseline runs unless the CPU was checked for it.
#pragma once

#include <cstdint>

namespace nnbench::kernel {

template <typename T>
struct KernelSet {
  const char* name;  // e.g. "14x32 avx512"
  int mr;            // register tile rows
  int nr;            // register tile columns
  int kc;            // packed depth
  int mc;            // packed rows of A (a multiple of mr)
  int nc;            // packed columns of B (a multiple of nr)
  int a_ld;          // row stride of packed A; a packed block of r rows takes ceil(r/mr)*mr*a_ld
  int few_columns;   // products with 2..few_columns columns take gemm_few_columns (0: none)


  /** Packs `rows` rows x `kc` columns of A into mr-row, row-major micro-panels (row stride
   * a_ld), zero-padding the last. */
  void (*pack_a)(int64_t rows, int64_t kc, const T* a, int64_t lda, T* dst);

  /** Packs `kc` rows x `cols` columns of B into nr-column micro-panels, zero-padding the last. */
  void (*pack_b)(int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst);

  /**
   * C[rows x cols] (+)= packed A * packed B over depth kc. With `accumulate` false C is overwritten
   * without being read.
   */
  void (*macro)(int64_t rows, int64_t cols, int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc,
                bool accumulate);

  /** As macro, but reads A in place (row-major, row stride lda) instead of from a packed block. */
  void (*macro_direct)(int64_t rows, int64_t cols, int64_t kc, const T* a, int64_t lda,
                       const T* pb, T* c, int64_t ldc, bool accumulate);

  /** y[i] = sum_p A[i][p] * x[p] for i < rows (A row-major, x and y contiguous). */
  void (*gemv_n)(int64_t rows, int64_t k, const T* a, int64_t lda, const T* x, T* y);

  /** y[j] = sum_p x[p] * B[p][j] for j < cols (B row-major, x and y contiguous). */
  void (*gemv_t)(int64_t k, int64_t cols, const T* x, const T* b, int64_t ldb, T* y);

  /** Packs B (k x cols) for gemm_few_columns into `dst`: k rounded up to 16, times cols, elements. */
  void (*pack_few_columns_b)(int64_t k, int64_t cols, const T* b, int64_t ldb, T* dst);

  /** C[rows x cols] = A * B for 1 <= cols <= few_columns, with B packed by pack_few_columns_b. */
  void (*gemm_few_columns)(int64_t rows, int64_t cols, int64_t k, const T* a, int64_t lda,
                           const T* bt, T* c, int64_t ldc);

  /** Runs `iters` rounds of independent FMAs; returns the flops done. */
  double (*fma_loop)(int64_t iters);

  /**
   * A table with a narrower register tile for products whose B has more than few_columns but at
   * most narrow->nr columns, where this tile would idle part of its lanes; nullptr when none.
   */
  const KernelSet* narrow;

  /**
   * A table with fewer tile rows, same columns, for products that read A in place: their tile
   * rows lie A's row stride apart, and when that is a multiple of 4 KiB they share L1 sets, so
   * more rows than L1 has ways evict each other. nullptr to keep this tile.
   */
  const KernelSet* in_place;
};

// Tables per ISA; nullptr when this build has no such kernel (for example on non-x86 targets).
const KernelSet<float>* SgemmKernelsPortable();
const KernelSet<double>* DgemmKernelsPortable();
const KernelSet<float>* SgemmKernelsAvx2();
const KernelSet<double>* DgemmKernelsAvx2();
const KernelSet<float>* SgemmKernelsAvx512();
const KernelSet<double>* DgemmKernelsAvx512();

/** True when the CPU and OS can run AVX2 + FMA / AVX-512 F, BW, DQ, VL code. */
bool CpuHasAvx2Fma();
bool CpuHasAvx512();

/** True when the CPU has F16C (float16 conversions) / AVX512_BF16 (on top of CpuHasAvx512()). */
bool CpuHasF16c();
bool CpuHasAvx512Bf16();

}  // namespace nnbench::kernel
