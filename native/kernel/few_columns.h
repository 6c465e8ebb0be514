// Products with few columns (a model applied to 1..16 inputs), C = A * B, as inner products of
// A's rows with B's columns, generic over how A and B are loaded and multiplied (a policy P).
// Included by the ISA translation units only; each keeps its own copy (internal linkage), compiled
// with its own flags.
//
// A streams from memory once; B is small and packed so that it stays in L1:
//  - B is packed transposed in depth chunks of P::W: chunk q holds, column after column, the W
//    depths [qW, qW + W) of every column, so the columns a step reads lie in one contiguous run;
//  - the depth is cut into blocks whose share of packed B fits L1 (kL1Bytes); all rows run over
//    one block before the next, adding into C;
//  - while a block of rows computes, the same depths of the next block of rows are prefetched
//    (rows lie a whole row stride apart, so the hardware prefetcher would start cold on each);
//  - columns go in groups of kGroupColumns; with more than one group, rows go in bands whose
//    share of A stays in L2 while each group reads it.
//
// A policy P provides:
//   A, B, S          element types of A, of packed B, and of the sums (and of C)
//   Acc, VA, VB      vector types of a sum, of a load of A, of a load of B
//   W                depths a step multiplies (elements of A per LoadA)
//   kRegisters       vector registers available
//   Zero(), LoadA(const A*), LoadB(const B*), Fma(Acc, VA, VB) -> Acc
//   ScalarA(A), ScalarB(B) -> S     the same products one depth at a time (the depth's tail)
//   ToB(const Source*, B*, count)   elements of B as packed (e.g. rounded to bfloat16 bits)
//   SumEach<C>(const Acc*, S* out)  out[i] = the sum of the lanes of acc[i], for i < C
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace nnbench::kernel::few_columns {
namespace {

#define NNBENCH_INLINE inline __attribute__((always_inline))

/** Bytes of packed B one depth block may take: most of L1, leaving room for A's lines. */
constexpr int64_t kL1Bytes = 32 * 1024;

/** The most columns one block of sums takes; wider products run in groups of this many. */
constexpr int kGroupColumns = 8;

/** Rows one block takes for N columns: R x N sums, R vectors of A and one of B in registers. */
template <typename P>
constexpr int RowsFor(int n) {
  int r = 1;
  while (r < 8 && (r + 1) * n + (r + 1) + 1 <= P::kRegisters) ++r;
  return r;
}

/**
 * Packs B (k x cols, row stride ldb) into depth chunks of P::W, zero-padding the last. Each chunk
 * is gathered for up to 16 columns at a time into a small stage, then converted as a whole.
 */
template <typename P, typename Source>
void PackB(int64_t k, int64_t cols, const Source* b, int64_t ldb, typename P::B* dst) {
  constexpr int W = P::W;
  constexpr int64_t kStageColumns = 16;
  Source stage[kStageColumns * W];
  const int64_t chunks = (k + W - 1) / W;
  for (int64_t q = 0; q < chunks; ++q) {
    const int64_t depths = k - q * W < W ? k - q * W : W;
    for (int64_t j0 = 0; j0 < cols; j0 += kStageColumns) {
      const int64_t n = cols - j0 < kStageColumns ? cols - j0 : kStageColumns;
      for (int64_t d = 0; d < W; ++d) {
        if (d < depths) {
          const Source* row = b + (q * W + d) * ldb + j0;
          for (int64_t j = 0; j < n; ++j) stage[j * W + d] = row[j];
        } else {
          for (int64_t j = 0; j < n; ++j) stage[j * W + d] = Source(0);
        }
      }
      P::ToB(stage, dst + q * cols * W + j0 * W, static_cast<size_t>(n * W));
    }
  }
}

/** Keeps a loaded vector in a register: the compiler would otherwise fold the load into each
 * multiply that uses it, loading it once per row instead of once per step. */
template <typename V>
NNBENCH_INLINE void KeepInRegister(V& v) {
#if defined(__x86_64__) || defined(__i386__)
  asm("" : "+v"(v));
#else
  (void)v;
#endif
}

/**
 * One step of DotBlock: the next W depths of R rows times N columns, added into acc[R * N]; with
 * kPrefetch, the same depths of the R rows from `next` on are prefetched.
 */
template <typename P, int R, int N, bool kPrefetch>
NNBENCH_INLINE void DotStep(typename P::Acc* acc, const typename P::A* a, int64_t lda,
                            const typename P::B* step, const typename P::A* next) {
  constexpr int W = P::W;
  typename P::VA av[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) av[r] = P::LoadA(a + r * lda);
  if (kPrefetch) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) __builtin_prefetch(next + r * lda, 0, 2);
  }
#pragma GCC unroll 16
  for (int j = 0; j < N; ++j) {
    typename P::VB bv = P::LoadB(step + j * W);
    KeepInRegister(bv);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc[r * N + j] = P::Fma(acc[r * N + j], av[r], bv);
  }
}

/**
 * Steps of DotBlock over [p, p1) while a whole U steps remain, each of the U taking a set of
 * sums of its own (independent chains of multiply-adds, and one loop iteration per U steps).
 */
template <typename P, int R, int N, int U, bool kPrefetch>
NNBENCH_INLINE void DotSteps(int64_t& p, int64_t p1, const typename P::A* a, int64_t lda,
                             const typename P::B*& step, int64_t chunk, typename P::Acc* acc,
                             const typename P::A* next) {
  constexpr int W = P::W;
  for (; p + U * W <= p1; p += U * W, step += U * chunk) {
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      DotStep<P, R, N, kPrefetch>(acc + u * R * N, a + p + u * W, lda, step + u * chunk,
                                  kPrefetch ? next + p + u * W : nullptr);
    }
  }
}

/**
 * R rows x N columns of C over depths [p0, p1) as inner products. `bt` points at column j0 of
 * chunk 0 of packed B, whose chunks are `chunk` elements apart. `first` overwrites C, else adds.
 * With kPrefetch, the same depths of the R rows from `next` on are prefetched as the block runs.
 */
template <typename P, int R, int N, bool kPrefetch>
NNBENCH_INLINE void DotBlock(int64_t p0, int64_t p1, const typename P::A* a, int64_t lda,
                             const typename P::B* bt, int64_t chunk, typename P::S* c, int64_t ldc,
                             bool first, const typename P::A* next) {
  constexpr int W = P::W;
  // Two sets of sums where the registers allow (one column): half the loop overhead per step.
  constexpr int U = 2 * R * N + R + 2 <= P::kRegisters ? 2 : 1;
  typename P::Acc acc[U * R * N];
#pragma GCC unroll 64
  for (int i = 0; i < U * R * N; ++i) acc[i] = P::Zero();
  int64_t p = p0;
  const typename P::B* step = bt + p0 / W * chunk;  // p0 is a whole number of steps
  DotSteps<P, R, N, U, kPrefetch>(p, p1, a, lda, step, chunk, acc, next);
  DotSteps<P, R, N, 1, kPrefetch>(p, p1, a, lda, step, chunk, acc, next);
  typename P::S sums[U * R * N];
  P::template SumEach<U * R * N>(acc, sums);
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < N; ++j) {
      typename P::S sum = sums[r * N + j];
      if (U == 2) sum += sums[R * N + r * N + j];
      for (int64_t q = p; q < p1; ++q) {
        sum += P::ScalarA(a[r * lda + q]) * P::ScalarB(bt[q / W * chunk + j * W + q % W]);
      }
      c[r * ldc + j] = first ? sum : c[r * ldc + j] + sum;
    }
  }
}

/**
 * Every row over depths [p0, p1), for N columns starting at column j0 of `cols`. Whole rows
 * stream well without help; a block's share of each row (kPrefetch) needs the prefetch, which
 * takes the next block of rows (the last block, its own rows again).
 */
template <typename P, int N, bool kPrefetch>
void DotDepthBlock(int64_t rows, int64_t cols, int64_t j0, int64_t p0, int64_t p1,
                   const typename P::A* a, int64_t lda, const typename P::B* bt,
                   typename P::S* c, int64_t ldc) {
  constexpr int R = RowsFor<P>(N);
  const int64_t chunk = cols * P::W;
  const typename P::B* b = bt + j0 * P::W;
  const bool first = p0 == 0;
  int64_t i = 0;
  for (; i + R <= rows; i += R) {
    const typename P::A* next = a + (i + 2 * R <= rows ? i + R : i) * lda;
    DotBlock<P, R, N, kPrefetch>(p0, p1, a + i * lda, lda, b, chunk, c + i * ldc + j0, ldc, first,
                                 next);
  }
  for (; i < rows; ++i) {
    DotBlock<P, 1, N, false>(p0, p1, a + i * lda, lda, b, chunk, c + i * ldc + j0, ldc, first,
                             nullptr);
  }
}

/** DotDepthBlock for N = n columns (at most kGroupColumns). */
template <typename P, bool kPrefetch>
void DotColumns(int64_t rows, int64_t cols, int64_t j0, int64_t n, int64_t p0, int64_t p1,
                const typename P::A* a, int64_t lda, const typename P::B* bt, typename P::S* c,
                int64_t ldc) {
  switch (n) {
    case 1: return DotDepthBlock<P, 1, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 2: return DotDepthBlock<P, 2, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 3: return DotDepthBlock<P, 3, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 4: return DotDepthBlock<P, 4, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 5: return DotDepthBlock<P, 5, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 6: return DotDepthBlock<P, 6, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    case 7: return DotDepthBlock<P, 7, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
    default: return DotDepthBlock<P, 8, kPrefetch>(rows, cols, j0, p0, p1, a, lda, bt, c, ldc);
  }
}

/** One group of n columns over depths [p0, p1); `whole` when that is all of the depth. */
template <typename P>
void DotGroup(int64_t rows, int64_t cols, int64_t j0, int64_t n, int64_t p0, int64_t p1, bool whole,
              const typename P::A* a, int64_t lda, const typename P::B* bt, typename P::S* c,
              int64_t ldc) {
  if (whole) return DotColumns<P, false>(rows, cols, j0, n, p0, p1, a, lda, bt, c, ldc);
  DotColumns<P, true>(rows, cols, j0, n, p0, p1, a, lda, bt, c, ldc);
}

/** Depths one block takes so that its share of packed B stays in L1 (a whole number of steps). */
template <typename P>
int64_t DepthBlock(int64_t k, int64_t cols) {
  const int64_t fits = kL1Bytes / (cols * static_cast<int64_t>(sizeof(typename P::B))) / P::W * P::W;
  const int64_t block = fits < P::W ? P::W : fits;
  return k <= block + block / 2 ? k : block;  // no short last block for a depth just over
}

/** Bytes of A a band of rows may take over one depth block: a share of L2 that keeps it there. */
constexpr int64_t kL2Bytes = 256 * 1024;

/**
 * Rows of a band: as many as fit kL2Bytes over `depths`, at least 120 and a multiple of it, so
 * that blocks of 8, 6, 5, 4 and 3 rows (RowsFor) fill a band without a tail.
 */
template <typename P>
int64_t BandRows(int64_t depths) {
  const int64_t fits = kL2Bytes / (depths * static_cast<int64_t>(sizeof(typename P::A))) / 120 * 120;
  return fits < 120 ? 120 : fits;
}

/**
 * C[rows x cols] = A * B for any cols >= 1 (in groups of kGroupColumns), with B packed by
 * PackB<P>. Rows of A (row stride lda) are read once per depth block.
 */
template <typename P>
void Dot(int64_t rows, int64_t cols, int64_t k, const typename P::A* a, int64_t lda,
         const typename P::B* bt, typename P::S* c, int64_t ldc) {
  const int64_t kc = DepthBlock<P>(k, cols);
  // With more than one group of columns, rows go in bands whose share of A (one depth block)
  // stays in L2 from one group to the next, so A streams from memory once.
  const int64_t band = cols <= kGroupColumns ? rows : BandRows<P>(kc);
  for (int64_t p0 = 0; p0 < k; p0 += kc) {
    const int64_t p1 = k - p0 < kc ? k : p0 + kc;
    for (int64_t i0 = 0; i0 < rows; i0 += band) {
      const int64_t in_band = rows - i0 < band ? rows - i0 : band;
      for (int64_t j0 = 0; j0 < cols; j0 += kGroupColumns) {
        const int64_t n = cols - j0 < kGroupColumns ? cols - j0 : kGroupColumns;
        DotGroup<P>(in_band, cols, j0, n, p0, p1, kc == k, a + i0 * lda, lda, bt,
                    c + i0 * ldc, ldc);
      }
    }
  }
}

/** SumEach for any vector type: one horizontal reduction per sum. */
template <int C, typename Acc, typename S, typename Reduce>
NNBENCH_INLINE void SumEachBy(const Acc* acc, S* out, Reduce reduce) {
#pragma GCC unroll 64
  for (int i = 0; i < C; ++i) out[i] = reduce(acc[i]);
}

#if defined(__AVX512F__)
/** a + b, each taken through one of two 128-bit block shuffles of (a, b). */
template <int Lo, int Hi>
NNBENCH_INLINE __m512 AddBlocks(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, Lo), _mm512_shuffle_f32x4(a, b, Hi));
}

/** a + b, each taken through one of two in-block lane shuffles of (a, b). */
template <int Lo, int Hi>
NNBENCH_INLINE __m512 AddLanes(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_ps(a, b, Lo), _mm512_shuffle_ps(a, b, Hi));
}

/**
 * out[i] = the sum of the 16 lanes of v[i], i < 16, in 45 instructions (16 horizontal reductions
 * take about 130): four rounds that each add two vectors' halves, quarters, pairs and lanes.
 */
NNBENCH_INLINE __m512 SumEach16(const __m512* v) {
  // Inputs in the order that leaves sum i in lane i (the rounds transpose the lane index).
  __m512 s1[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) s1[i] = AddBlocks<0x44, 0xee>(v[(2 * i) % 4 * 4 + i / 2], v[(2 * i + 1) % 4 * 4 + i / 2]);
  __m512 s2[4];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) s2[i] = AddBlocks<0x88, 0xdd>(s1[2 * i], s1[2 * i + 1]);
  const __m512 s3a = AddLanes<0x44, 0xee>(s2[0], s2[1]);
  const __m512 s3b = AddLanes<0x44, 0xee>(s2[2], s2[3]);
  return AddLanes<0x88, 0xdd>(s3a, s3b);
}

/** SumEach for 16-lane float sums, sixteen at a time (a last partial group padded with zeros). */
template <int C>
NNBENCH_INLINE void SumEach512(const __m512* acc, float* out) {
#pragma GCC unroll 4
  for (int g = 0; g < C; g += 16) {
    __m512 group[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) group[i] = g + i < C ? acc[g + i] : _mm512_setzero_ps();
    alignas(64) float sums[16];
    _mm512_store_ps(sums, SumEach16(group));
    for (int i = 0; i < 16 && g + i < C; ++i) out[g + i] = sums[i];
  }
}

/** The parts of a policy whose sums are 16 float32 lanes in the 32 AVX-512 registers. */
struct Avx512FloatSums {
  using S = float;
  using Acc = __m512;
  static constexpr int kRegisters = 32;
  static NNBENCH_INLINE __m512 Zero() { return _mm512_setzero_ps(); }
  template <int C>
  static NNBENCH_INLINE void SumEach(const __m512* acc, float* out) {
    SumEach512<C>(acc, out);
  }
};
#endif

#undef NNBENCH_INLINE

}  // namespace
}  // namespace nnbench::kernel::few_columns
