// Products with 16-bit weights: C (float32) = A (bfloat16 or float16) * B (float32), accumulated in
// float32. Few-column products (a model applied to 1..16 inputs) stream A in its 16-bit form,
// half the bytes of float32 weights; with AVX512_BF16, bfloat16 weights multiply in bfloat16 pairs
// (vdpbf16ps) with B rounded to bfloat16, wider products too, on a register tile of their own. Other
// products run the float32 kernel's blocked path, with A widened to float32 as it is packed.
#pragma once

#include <cstdint>

#include "../core/dtype.h"
#include "gemm.h"

namespace nnbench::kernel {

/** Kernels one ISA provides for 16-bit weights of one dtype. */
struct HalfKernels {
  const char* name;  // e.g. "avx512bf16 pairs"
  int max_columns;   // products with up to this many columns take `dot`
  int dot_b_item;    // bytes of one element of B as packed for `dot`
  /**
   * Packs B (k x cols, float32) for `dot` into `dst`, which holds k rounded up to 32, times cols,
   * elements of dot_b_item bytes (rounded to bfloat16 for the pairs kernel).
   */
  void (*pack_dot_b)(int64_t k, int64_t cols, const float* b, int64_t ldb, void* dst);
  /** C[rows x cols] = A * B for 1 <= cols <= max_columns, with B packed by pack_dot_b. */
  void (*dot)(int64_t rows, int64_t cols, int64_t k, const uint16_t* a, int64_t lda, const void* bt,
              float* c, int64_t ldc);
  /**
   * Runs `iters` rounds of independent multiply-adds of this kernel's kind; returns the flops.
   * nullptr: the kernel multiplies with float32 FMA, whose peak FmaPeakGflops measures.
   */
  double (*fma_loop)(int64_t iters);

  // The blocked path for wider products (nullptr pack_a: none, they convert A to float32). A and
  // B are packed into panels of pairs along the depth: A as mr-row panels of 32-bit pairs, B as
  // nr-column panels of bfloat16 pairs (rounded from float32), both zero-padded.
  int mr, nr, kc, mc, nc;
  void (*pack_a)(int64_t rows, int64_t kc, const uint16_t* a, int64_t lda, uint32_t* dst);
  void (*pack_b)(int64_t kc, int64_t cols, const float* b, int64_t ldb, uint16_t* dst);
  /** C[rows x cols] (+)= packed A * packed B over depth kc; `accumulate` false overwrites C. */
  void (*macro)(int64_t rows, int64_t cols, int64_t kc, const uint32_t* pa, const uint16_t* pb,
                float* c, int64_t ldc, bool accumulate);
};

const HalfKernels* HalfKernelsAvx512(DType weights);      // nullptr when this build has none
const HalfKernels* HalfKernelsAvx512Bf16(DType weights);  // bfloat16 only

/** The 16-bit kernels for `weights` under the active ISA, or nullptr (the float32 kernel then takes them, converted while packed). */
const HalfKernels* ActiveHalfKernels(DType weights);

/** Gemm with 16-bit A (`weights`: kBfloat16 or kFloat16); B and C float32. As Gemm otherwise. */
void GemmHalf(DType weights, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
              const float* b, int64_t ldb, float* c, int64_t ldc, const BatchItem* items,
              int64_t batch);

/**
 * Measures the multiply-add throughput of the few-column kernel for `weights` (for bfloat16 with
 * AVX512_BF16: vdpbf16ps, 64 flops an instruction) as FmaPeakGflops does; 0 when there is none.
 */
double HalfPeakGflops(DType weights, double seconds, int threads);

/** The path a product with `n` columns and `weights` takes now, e.g. "avx512bf16 pairs". */
const char* HalfPath(DType weights, int64_t n);

}  // namespace nnbench::kernel
