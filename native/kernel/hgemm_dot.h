// The few-column kernel for 16-bit weights, generic over how A and B are loaded and multiplied
// (a policy P): inner products of R rows of A with N columns of B, in registers. Included by the
// AVX-512 translation units only.
#pragma once

#include <immintrin.h>

#include <cstdint>

// Internal linkage: each translation unit, compiled with its own ISA flags, keeps its own copy.
namespace nnbench::kernel::hgemm {
namespace {

#define NNBENCH_INLINE inline __attribute__((always_inline))

#pragma GCC diagnostic push
// GCC 12's header passes an "undefined" vector as an unused merge source, then warns about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
NNBENCH_INLINE float Reduce(__m512 v) { return _mm512_reduce_add_ps(v); }
#pragma GCC diagnostic pop

/** Rows one block takes for N columns: R x N sums, R vectors of A and one of B in 32 registers. */
constexpr int RowsFor(int n) {
  int r = 1;
  while (r < 8 && (r + 1) * n + (r + 1) + 2 <= 32) ++r;
  return r;
}

/** R rows x N columns of C as inner products (A 16-bit row-major, bt: B transposed). */
template <typename P, int R, int N>
NNBENCH_INLINE void DotBlock(int64_t k, const uint16_t* a, int64_t lda, const typename P::B* bt,
                             int64_t ldbt, float* c, int64_t ldc) {
  __m512 acc[R][N];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) acc[r][j] = _mm512_setzero_ps();
  }
  int64_t p = 0;
  for (; p + P::W <= k; p += P::W) {
    typename P::VA av[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) av[r] = P::LoadA(a + r * lda + p);
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const typename P::VB bv = P::LoadB(bt + j * ldbt + p);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][j] = P::Fma(acc[r][j], av[r], bv);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < N; ++j) {
      float sum = Reduce(acc[r][j]);
      for (int64_t q = p; q < k; ++q) sum += P::ScalarA(a[r * lda + q]) * P::ScalarB(bt[j * ldbt + q]);
      c[r * ldc + j] = sum;
    }
  }
}

/** Columns [0, cols) of R rows, in groups of at most 8 columns. */
template <typename P, int R>
NNBENCH_INLINE void DotRowBlock(int64_t cols, int64_t k, const uint16_t* a, int64_t lda,
                                const typename P::B* bt, int64_t ldbt, float* c, int64_t ldc) {
  for (int64_t j = 0; j < cols; j += 8) {
    const typename P::B* b = bt + j * ldbt;
    float* cj = c + j;
    switch (cols - j < 8 ? cols - j : 8) {
      case 1: DotBlock<P, R, 1>(k, a, lda, b, ldbt, cj, ldc); break;
      case 2: DotBlock<P, R, 2>(k, a, lda, b, ldbt, cj, ldc); break;
      case 3: DotBlock<P, R, 3>(k, a, lda, b, ldbt, cj, ldc); break;
      case 4: DotBlock<P, R, 4>(k, a, lda, b, ldbt, cj, ldc); break;
      case 5: DotBlock<P, R, 5>(k, a, lda, b, ldbt, cj, ldc); break;
      case 6: DotBlock<P, R, 6>(k, a, lda, b, ldbt, cj, ldc); break;
      case 7: DotBlock<P, R, 7>(k, a, lda, b, ldbt, cj, ldc); break;
      default: DotBlock<P, R, 8>(k, a, lda, b, ldbt, cj, ldc); break;
    }
  }
}

template <typename P, int N>
void DotFixed(int64_t rows, int64_t k, const uint16_t* a, int64_t lda, const typename P::B* bt,
              int64_t ldbt, float* c, int64_t ldc) {
  constexpr int R = RowsFor(N);
  int64_t i = 0;
  for (; i + R <= rows; i += R) DotBlock<P, R, N>(k, a + i * lda, lda, bt, ldbt, c + i * ldc, ldc);
  for (; i < rows; ++i) DotBlock<P, 1, N>(k, a + i * lda, lda, bt, ldbt, c + i * ldc, ldc);
}

/** C = A * B for 1..16 columns. */
template <typename P>
void Dot(int64_t rows, int64_t cols, int64_t k, const uint16_t* a, int64_t lda, const void* btv,
         int64_t ldbt, float* c, int64_t ldc) {
  const auto* bt = static_cast<const typename P::B*>(btv);
  switch (cols) {
    case 1: return DotFixed<P, 1>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 2: return DotFixed<P, 2>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 3: return DotFixed<P, 3>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 4: return DotFixed<P, 4>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 5: return DotFixed<P, 5>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 6: return DotFixed<P, 6>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 7: return DotFixed<P, 7>(rows, k, a, lda, bt, ldbt, c, ldc);
    case 8: return DotFixed<P, 8>(rows, k, a, lda, bt, ldbt, c, ldc);
    default: break;
  }
  // 9..16 columns: two groups per block of rows, so the rows stay in L1 for the second group.
  constexpr int R = RowsFor(8);
  int64_t i = 0;
  for (; i + R <= rows; i += R) DotRowBlock<P, R>(cols, k, a + i * lda, lda, bt, ldbt, c + i * ldc, ldc);
  for (; i < rows; ++i) DotRowBlock<P, 1>(cols, k, a + i * lda, lda, bt, ldbt, c + i * ldc, ldc);
}

}  // namespace
}  // namespace nnbench::kernel::hgemm
