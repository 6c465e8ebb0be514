// The ISA-independent body of the kernels: packing, the register-tiled microkernel, the macro
// kernel over one packed block, matrix-vector routines and the FMA throughput loop. An ISA
// translation unit defines NNBENCH_KERNEL_NS and, inside that namespace, an `Ops` struct of vector
// primitives:
//   using T (element), using V (vector), static constexpr int W (lanes), static constexpr int
//   kRegisters (vector registers the ISA has),
//   Zero(), Load(const T*), Store(T*, V), Broadcast(const T*), Fma(a, b, c) = a * b + c,
//   Add(a, b), ReduceAdd(V) -> T.
// then includes this file. Everything here lives in that ISA's own namespace, so code compiled with
// one ISA's flags is never linked in place of another's (no shared inline or template symbols).
#ifndef NNBENCH_KERNEL_NS
#error "define NNBENCH_KERNEL_NS before including gemm_impl.h"
#endif

#include <cstdint>
#include <cstring>

#include "few_columns.h"
#include "kernel_set.h"
#include "prefetch.h"

namespace nnbench::kernel::NNBENCH_KERNEL_NS {

template <typename I>
inline I MinOf(I a, I b) {
  return a < b ? a : b;
}

/**
 * Kernels for an MR x (NV * W) register tile with packed depth KC. A is packed row-major: each
 * MR-row micro-panel holds its rows LDP elements apart, LDP = KC plus one cache line, so the MR
 * rows start in different L1 sets and the microkernel addresses them with constant offsets.
 * Packing A is then a plain row copy rather than a transpose.
 */
template <class O, int MR, int NV, int KC>
struct Kernels {
  using T = typename O::T;
  using V = typename O::V;
  static constexpr int W = O::W;
  static constexpr int NR = NV * W;
  static constexpr int64_t LDP = KC + 64 / static_cast<int>(sizeof(T));

  static void PackA(int64_t rows, int64_t kc, const T* a, int64_t lda, T* dst) {
    for (int64_t i0 = 0; i0 < rows; i0 += MR) {
      const int64_t r = MinOf<int64_t>(MR, rows - i0);
      for (int64_t i = 0; i < MR; ++i) {
        T* out = dst + i * LDP;
        if (i < r) {
          const T* src = a + (i0 + i) * lda;
          int64_t p = 0;
          for (; p + 2 * W <= kc; p += 2 * W) {
            O::Store(out + p, O::Load(src + p));
            O::Store(out + p + W, O::Load(src + p + W));
          }
          for (; p < kc; ++p) out[p] = src[p];
        } else {
          // Rows past the edge: their sums are never stored, zeros keep them quiet.
          for (int64_t p = 0; p < kc; ++p) out[p] = T(0);
        }
      }
      dst += MR * LDP;
    }
  }

  static void PackB(int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst) {
    for (int64_t j0 = 0; j0 < cols; j0 += NR) {
      const int64_t c = MinOf<int64_t>(NR, cols - j0);
      const T* src = b + j0;
      if (c == NR) {
        for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 8
          for (int j = 0; j < NV; ++j) O::Store(dst + p * NR + j * W, O::Load(src + p * ldb + j * W));
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int64_t j = 0; j < NR; ++j) dst[p * NR + j] = j < c ? src[p * ldb + j] : T(0);
        }
      }
      dst += NR * kc;
    }
  }

  /**
   * What a tile asks the memory system for while it computes, one cache line every kAheadSteps
   * depth steps: a share of the next B panel (into L2: the panel is larger than L1) and the C
   * lines of the tile that comes next (C of a large product lives in memory; fetched one tile
   * early, its latency is hidden behind this tile's arithmetic).
   */
  struct Ahead {
    const T* b = nullptr;
    int64_t b_lines = 0;
    const T* c = nullptr;
    int64_t c_rows = 0;
    int64_t c_cols = 0;
  };
  static constexpr int kAheadSteps = 4;
  static constexpr int64_t kLine = 64 / static_cast<int64_t>(sizeof(T));

  /** Sets every accumulator of a register block to zero. */
  template <int R, int N>
  static inline __attribute__((always_inline)) void Clear(V (&acc)[R][N]) {
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
#pragma GCC unroll 8
      for (int j = 0; j < N; ++j) acc[i][j] = O::Zero();
    }
  }

  /**
   * One MR x NR tile of C from MR rows of A and an NR-column panel of B. With kDirect, A is read
   * in place (row stride lda; rows past `rows` re-read the last row, and their sums are dropped);
   * otherwise `a` is a packed MR-row micro-panel (row stride LDP).
   */
  template <bool kDirect>
  static inline __attribute__((always_inline)) void Tile(int64_t kc, const T* __restrict a,
                                                         int64_t lda, const T* __restrict pb, T* c,
                                                         int64_t ldc, bool accumulate, int64_t rows,
                                                         int64_t cols, Ahead ahead) {
    const T* row[kDirect ? MR : 1];
    if (kDirect) {
      for (int i = 0; i < MR; ++i) row[i] = a + MinOf<int64_t>(i, rows - 1) * lda;
    } else {
      row[0] = a;
    }
    V acc[MR][NV];
    Clear(acc);
    int64_t p = 0;
    const auto step = [&]() __attribute__((always_inline)) {
      V bv[NV];
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) bv[j] = O::Load(pb + j * W);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const V av = kDirect ? O::Broadcast(row[kDirect ? i : 0] + p)
                             : O::Broadcast(row[0] + i * LDP + p);
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = O::Fma(av, bv[j], acc[i][j]);
      }
      pb += NR;
      ++p;
    };
    if (kDirect) {
      // MR row pointers leave no registers for unrolling: ask for the next tile at once.
      PrefetchTile(ahead.c, ldc, ahead.c_rows, ahead.c_cols);
    }
    int64_t b_line = 0;
    int64_t c_row = 0;
    for (; !kDirect && p + kAheadSteps <= kc;) {
      if (b_line < ahead.b_lines) {
        __builtin_prefetch(ahead.b + b_line * kLine, 0, 2);
        ++b_line;
      }
      if (c_row < ahead.c_rows) {
        PrefetchRow(ahead.c + c_row * ldc, ahead.c_cols);
        ++c_row;
      }
#pragma GCC unroll 8
      for (int u = 0; u < kAheadSteps; ++u) step();
    }
    while (p < kc) step();
    if (rows == MR && cols == NR) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
          T* dst = c + i * ldc + j * W;
          O::Store(dst, accumulate ? O::Add(acc[i][j], O::Load(dst)) : acc[i][j]);
        }
      }
    } else {
      alignas(64) T tmp[MR * NR];
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) O::Store(tmp + i * NR + j * W, acc[i][j]);
      }
      for (int64_t i = 0; i < rows; ++i) {
        T* dst = c + i * ldc;
        const T* src = tmp + i * NR;
        if (accumulate) {
          for (int64_t j = 0; j < cols; ++j) dst[j] += src[j];
        } else {
          for (int64_t j = 0; j < cols; ++j) dst[j] = src[j];
        }
      }
    }
  }

  static void Macro(int64_t rows, int64_t cols, int64_t kc, const T* pa, const T* pb, T* c,
                    int64_t ldc, bool accumulate) {
    // Tiles run down each column panel, so one B panel serves every row tile while it is hot.
    PrefetchTile(c, ldc, MinOf<int64_t>(MR, rows), MinOf<int64_t>(NR, cols));
    for (int64_t j = 0; j < cols; j += NR) {
      const int64_t nc = MinOf<int64_t>(NR, cols - j);
      // Each tile prefetches the next panel's lines from where the previous tile stopped.
      const int64_t panel_lines = j + NR < cols ? NR * kc / kLine : 0;
      const int64_t lines_per_tile = kc / kAheadSteps;
      Ahead ahead;
      for (int64_t i = 0; i < rows; i += MR) {
        const int64_t mc = MinOf<int64_t>(MR, rows - i);
        const int64_t first_line = MinOf<int64_t>(i / MR * lines_per_tile, panel_lines);
        ahead.b = pb + (j + NR) * kc + first_line * kLine;
        ahead.b_lines = MinOf<int64_t>(lines_per_tile, panel_lines - first_line);
        if (i + MR < rows) {
          ahead.c = c + (i + MR) * ldc + j;
          ahead.c_rows = MinOf<int64_t>(MR, rows - i - MR);
          ahead.c_cols = nc;
        } else if (j + NR < cols) {
          ahead.c = c + j + NR;
          ahead.c_rows = MinOf<int64_t>(MR, rows);
          ahead.c_cols = MinOf<int64_t>(NR, cols - j - NR);
        } else {
          ahead.c_rows = 0;
        }
        Tile<false>(kc, pa + i * LDP, LDP, pb + j * kc, c + i * ldc + j, ldc, accumulate, mc, nc,
                    ahead);
      }
    }
  }

  /** Macro with A read in place (row-major, stride lda) instead of packed. */
  static void MacroDirect(int64_t rows, int64_t cols, int64_t kc, const T* a, int64_t lda,
                          const T* pb, T* c, int64_t ldc, bool accumulate) {
    // Few column panels (they all stay in L2): tiles run along each row block.
    PrefetchTile(c, ldc, MinOf<int64_t>(MR, rows), MinOf<int64_t>(NR, cols));
    for (int64_t i = 0; i < rows; i += MR) {
      const int64_t mc = MinOf<int64_t>(MR, rows - i);
      for (int64_t j = 0; j < cols; j += NR) {
        const int64_t nc = MinOf<int64_t>(NR, cols - j);
        Ahead ahead;
        if (j + NR < cols) {
          ahead.c = c + i * ldc + j + NR;
          ahead.c_rows = mc;
          ahead.c_cols = MinOf<int64_t>(NR, cols - j - NR);
        } else if (i + MR < rows) {
          ahead.c = c + (i + MR) * ldc;
          ahead.c_rows = MinOf<int64_t>(MR, rows - i - MR);
          ahead.c_cols = MinOf<int64_t>(NR, cols);
        }
        Tile<true>(kc, a + i * lda, lda, pb + j * kc, c + i * ldc + j, ldc, accumulate, mc, nc,
                   ahead);
      }
    }
  }

  /** Rows one matrix-vector block takes: two sums a row and two vectors of x in registers. */
  static constexpr int kGemvRows = O::kRegisters >= 32 ? 8 : 4;

  /** y[0, R) = the R rows of A from `a` (row stride lda) times x, over depth k. */
  template <int R>
  static inline __attribute__((always_inline)) void GemvRows(int64_t k, const T* a, int64_t lda,
                                                             const T* x, T* y) {
    V s0[R], s1[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) s0[r] = s1[r] = O::Zero();
    int64_t p = 0;
    for (; p + 2 * W <= k; p += 2 * W) {
      const V x0 = O::Load(x + p);
      const V x1 = O::Load(x + p + W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        s0[r] = O::Fma(O::Load(a + r * lda + p), x0, s0[r]);
        s1[r] = O::Fma(O::Load(a + r * lda + p + W), x1, s1[r]);
      }
    }
    for (; p + W <= k; p += W) {
      const V x0 = O::Load(x + p);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) s0[r] = O::Fma(O::Load(a + r * lda + p), x0, s0[r]);
    }
    for (int r = 0; r < R; ++r) {
      T sum = O::ReduceAdd(O::Add(s0[r], s1[r]));
      for (int64_t q = p; q < k; ++q) sum += a[r * lda + q] * x[q];
      y[r] = sum;
    }
  }

  static void GemvN(int64_t rows, int64_t k, const T* a, int64_t lda, const T* x, T* y) {
    int64_t i = 0;
    for (; i + kGemvRows <= rows; i += kGemvRows) GemvRows<kGemvRows>(k, a + i * lda, lda, x, y + i);
    for (; i < rows; ++i) GemvRows<1>(k, a + i * lda, lda, x, y + i);
  }

  static void GemvT(int64_t k, int64_t cols, const T* x, const T* b, int64_t ldb, T* y) {
    // y starts as the first row's products, then takes four rows of B per pass over y (a slice
    // of at most a few KiB per thread, so it stays in L1 while B streams from memory).
    {
      const V xv = O::Broadcast(x);
      int64_t j = 0;
      for (; j + W <= cols; j += W) O::Store(y + j, O::Fma(xv, O::Load(b + j), O::Zero()));
      for (; j < cols; ++j) y[j] = x[0] * b[j];
    }
    int64_t p = 1;
    for (; p + 4 <= k; p += 4) {
      const T* b0 = b + p * ldb;
      const T* b1 = b0 + ldb;
      const T* b2 = b1 + ldb;
      const T* b3 = b2 + ldb;
      const V x0 = O::Broadcast(x + p);
      const V x1 = O::Broadcast(x + p + 1);
      const V x2 = O::Broadcast(x + p + 2);
      const V x3 = O::Broadcast(x + p + 3);
      int64_t j = 0;
      for (; j + W <= cols; j += W) {
        V acc = O::Load(y + j);
        acc = O::Fma(x0, O::Load(b0 + j), acc);
        acc = O::Fma(x1, O::Load(b1 + j), acc);
        acc = O::Fma(x2, O::Load(b2 + j), acc);
        acc = O::Fma(x3, O::Load(b3 + j), acc);
        O::Store(y + j, acc);
      }
      for (; j < cols; ++j) {
        y[j] = y[j] + x[p] * b0[j] + x[p + 1] * b1[j] + x[p + 2] * b2[j] + x[p + 3] * b3[j];
      }
    }
    for (; p < k; ++p) {
      const T* b0 = b + p * ldb;
      const V x0 = O::Broadcast(x + p);
      int64_t j = 0;
      for (; j + W <= cols; j += W) O::Store(y + j, O::Fma(x0, O::Load(b0 + j), O::Load(y + j)));
      for (; j < cols; ++j) y[j] += x[p] * b0[j];
    }
  }

  /** The few-columns policy (few_columns.h) over these Ops: A and B in T, multiplied by FMA. */
  struct DotOps {
    using A = T;
    using B = T;
    using S = T;
    using Acc = V;
    using VA = V;
    using VB = V;
    static constexpr int W = O::W;
    static constexpr int kRegisters = O::kRegisters;
    static inline __attribute__((always_inline)) V Zero() { return O::Zero(); }
    static inline __attribute__((always_inline)) V LoadA(const T* p) { return O::Load(p); }
    static inline __attribute__((always_inline)) V LoadB(const T* p) { return O::Load(p); }
    static inline __attribute__((always_inline)) V Fma(V acc, V a, V b) { return O::Fma(a, b, acc); }
    static inline __attribute__((always_inline)) T ScalarA(T x) { return x; }
    static inline __attribute__((always_inline)) T ScalarB(T x) { return x; }
    static inline __attribute__((always_inline)) void ToB(const T* from, T* to, size_t count) {
      std::memcpy(to, from, count * sizeof(T));
    }
    template <int C>
    static inline __attribute__((always_inline)) void SumEach(const V* acc, T* out) {
#if defined(__AVX512F__)
      if constexpr (sizeof(T) == 4 && sizeof(V) == 64) {  // 16 float32 lanes: a __m512
        few_columns::SumEach512<C>(acc, out);
        return;
      }
#endif
      few_columns::SumEachBy<C>(acc, out, O::ReduceAdd);
    }
  };

  /** Packs B (k x cols) for GemmFewColumns into `dst`: k rounded up to W, times cols, elements. */
  static void PackFewColumnsB(int64_t k, int64_t cols, const T* b, int64_t ldb, T* dst) {
    few_columns::PackB<DotOps>(k, cols, b, ldb, dst);
  }

  /**
   * C[rows x cols] = A * B for B with at most kDotMaxCols columns, packed by PackFewColumnsB. A
   * register tile this narrow would leave most vector lanes idle; inner products keep every lane
   * busy and read A once.
   */
  static constexpr int kDotMaxCols = 16;
  static void GemmFewColumns(int64_t rows, int64_t cols, int64_t k, const T* a, int64_t lda,
                             const T* bt, T* c, int64_t ldc) {
    few_columns::Dot<DotOps>(rows, cols, k, a, lda, bt, c, ldc);
  }

  template <int NACC>
  static double FmaLoop(int64_t iters) {
    const T one_less = T(1) - T(1) / T(1 << 20);
    const T small = T(1) / T(1 << 20);
    const V mul = O::Broadcast(&one_less);
    const V add = O::Broadcast(&small);
    // Distinct, opaque starting values keep the compiler from merging identical chains.
    volatile T seed = small;
    V acc[NACC];
#pragma GCC unroll 32
    for (int j = 0; j < NACC; ++j) {
      const T start = seed * T(j + 1);
      acc[j] = O::Broadcast(&start);
    }
    for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
      for (int j = 0; j < NACC; ++j) acc[j] = O::Fma(acc[j], mul, add);
    }
    V total = acc[0];
#pragma GCC unroll 32
    for (int j = 1; j < NACC; ++j) total = O::Add(total, acc[j]);
    volatile T sink = O::ReduceAdd(total);
    (void)sink;
    return static_cast<double>(iters) * NACC * W * 2;
  }

  /**
   * The table for this tile with the given blocking (mc and nc in tiles), FMA loop width, the most
   * columns of B (at most kDotMaxCols) for which inner products beat the tile, and optionally
   * tables with a narrower tile for the widths between and a shorter one for reading A in place.
   */
  template <int NACC>
  static constexpr KernelSet<T> Table(const char* name, int mc_tiles, int nc_tiles,
                                      int few_columns, const KernelSet<T>* narrow = nullptr,
                                      const KernelSet<T>* in_place = nullptr) {
    return KernelSet<T>{name,
                        MR,
                        NR,
                        KC,
                        mc_tiles * MR,
                        nc_tiles * NR,
                        LDP,
                        few_columns < kDotMaxCols ? few_columns : kDotMaxCols,
                        &PackA,
                        &PackB,
                        &Macro,
                        &MacroDirect,
                        &GemvN,
                        &GemvT,
                        &PackFewColumnsB,
                        &GemmFewColumns,
                        &FmaLoop<NACC>,
                        narrow,
                        in_place};
  }
};

}  // namespace nnbench::kernel::NNBENCH_KERNEL_NS
