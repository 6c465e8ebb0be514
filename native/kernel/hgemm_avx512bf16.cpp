// The few-column kernel for bfloat16 weights with AVX512_BF16 (compiled with -mavx512bf16 besides
// the AVX-512 flags, and called only once cpuid reported the extension): B is rounded to bfloat16
// and each vdpbf16ps multiplies 32 pairs, accumulating in float32.
#include "gemm_half.h"

#if defined(__AVX512F__) && defined(__AVX512BF16__)
#include <algorithm>

#include "convert.h"
#include "few_columns.h"
#include "prefetch.h"

namespace nnbench::kernel {
namespace {

struct Bf16Pairs : few_columns::Avx512FloatSums {
  using A = uint16_t;
  static constexpr int W = 32;
  using VA = __m512i;
  using VB = __m512i;
  using B = uint16_t;
  static inline __attribute__((always_inline)) VA LoadA(const uint16_t* p) { return _mm512_loadu_si512(p); }
  static inline __attribute__((always_inline)) VB LoadB(const B* p) { return _mm512_loadu_si512(p); }
  static inline __attribute__((always_inline)) __m512 Fma(__m512 acc, VA a, VB b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
  }
  static inline __attribute__((always_inline)) float ScalarA(uint16_t h) { return Bf16BitsToFloat(h); }
  static inline __attribute__((always_inline)) float ScalarB(B b) { return Bf16BitsToFloat(b); }
  static inline __attribute__((always_inline)) void ToB(const float* from, B* to, size_t count) {
    ConvertFloats(from, DType::kFloat32, to, DType::kBfloat16, count);
  }
};

void PackDotB(int64_t k, int64_t cols, const float* b, int64_t ldb, void* dst) {
  few_columns::PackB<Bf16Pairs>(k, cols, b, ldb, static_cast<uint16_t*>(dst));
}

void Dot(int64_t rows, int64_t cols, int64_t k, const uint16_t* a, int64_t lda, const void* bt,
         float* c, int64_t ldc) {
  few_columns::Dot<Bf16Pairs>(rows, cols, k, a, lda, static_cast<const uint16_t*>(bt), c, ldc);
}

/** Independent vdpbf16ps chains: each instruction does 16 lanes x 2 pairs x 2 flops. */
double PairsLoop(int64_t iters) {
  constexpr int kChains = 12;
  volatile uint32_t seed = 0x3f803f80u;  // a pair of bfloat16 ones, opaque to the compiler
  const __m512i ones = _mm512_set1_epi32(static_cast<int>(seed));
  const __m512i tiny = _mm512_set1_epi32(0x28002800);  // a pair of small bfloat16 values
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], (__m512bh)tiny, (__m512bh)ones);
  }
  __m512 total = acc[0];
  for (int j = 1; j < kChains; ++j) total = _mm512_add_ps(total, acc[j]);
  alignas(64) float out[16];
  _mm512_store_ps(out, total);
  volatile float sink = out[0];
  (void)sink;
  return static_cast<double>(iters) * kChains * 64;
}

// ---- the blocked path: a 14 x 32 register tile of float32 sums, 28 zmm, fed by bfloat16 pairs ----

constexpr int kMr = 14;
constexpr int kNr = 32;

/**
 * Transposes a 16 x 16 block of 32-bit lanes in registers: afterwards v[c] holds lane c of every
 * input row, in row order. Interleaves 32-bit lanes, then 64-bit lanes, then 128-bit blocks.
 */
inline void Transpose16(__m512i v[16]) {
  __m512i a[16];
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = _mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
  }
  // b[4i + j], block k: column 4k + j of rows 4i .. 4i + 3.
  __m512i b[16];
  for (int i = 0; i < 4; ++i) {
    b[4 * i + 0] = _mm512_unpacklo_epi64(a[4 * i + 0], a[4 * i + 2]);
    b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i + 0], a[4 * i + 2]);
    b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
    b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    const __m512i c0 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0x44);
    const __m512i c1 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0xee);
    const __m512i c2 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0x44);
    const __m512i c3 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0xee);
    v[0 + j] = _mm512_shuffle_i32x4(c0, c2, 0x88);
    v[4 + j] = _mm512_shuffle_i32x4(c0, c2, 0xdd);
    v[8 + j] = _mm512_shuffle_i32x4(c1, c3, 0x88);
    v[12 + j] = _mm512_shuffle_i32x4(c1, c3, 0xdd);
  }
}

/**
 * Packs rows x kc of A (bfloat16) into kMr-row panels: for each pair of depths, kMr 32-bit pairs.
 * Sixteen pairs of every row at a time are transposed in registers; the rest one by one.
 */
void PackA(int64_t rows, int64_t kc, const uint16_t* a, int64_t lda, uint32_t* dst) {
  static_assert(kMr <= 16, "a panel's rows fit one 16 x 16 transpose");
  const int64_t pairs = (kc + 1) / 2;
  const int64_t whole = kc / 32 * 16;  // pairs in whole groups of 16 (32 depths)
  const __mmask16 panel_mask = static_cast<__mmask16>((1u << kMr) - 1);
  for (int64_t i0 = 0; i0 < rows; i0 += kMr) {
    const int64_t panel_rows = rows - i0 < kMr ? rows - i0 : kMr;
    for (int64_t q0 = 0; q0 < whole; q0 += 16) {
      __m512i v[16];
      for (int r = 0; r < 16; ++r) {
        v[r] = r < panel_rows ? _mm512_loadu_si512(a + (i0 + r) * lda + 2 * q0) : _mm512_setzero_si512();
      }
      // The next panel's rows, a row stride apart, are short runs the hardware prefetcher meets
      // cold: their lines are requested one panel ahead.
      for (int r = 0; r < kMr && i0 + kMr + r < rows; ++r) __builtin_prefetch(a + (i0 + kMr + r) * lda + 2 * q0, 0, 3);
      Transpose16(v);
      for (int c = 0; c < 16; ++c) _mm512_mask_storeu_epi32(dst + (q0 + c) * kMr, panel_mask, v[c]);
    }
    for (int64_t r = 0; r < kMr; ++r) {
      uint32_t* out = dst + r;
      if (r >= panel_rows) {
        for (int64_t q = whole; q < pairs; ++q) out[q * kMr] = 0;
        continue;
      }
      const uint16_t* row = a + (i0 + r) * lda;
      int64_t q = whole;
      for (; 2 * q + 1 < kc; ++q) {
        uint32_t pair;
        __builtin_memcpy(&pair, row + 2 * q, 4);
        out[q * kMr] = pair;
      }
      if (q < pairs) out[q * kMr] = row[2 * q];  // odd depth: the last pair's upper half is zero
    }
    dst += kMr * pairs;
  }
}

/** bfloat16 pairs (row p, row p + 1) of 16 columns from two float32 rows (nullptr: zeros). */
inline __m512i PairsOf(const float* lo, const float* hi, __mmask16 mask) {
  const __m256i l = (__m256i)_mm512_cvtneps_pbh(lo ? _mm512_maskz_loadu_ps(mask, lo) : _mm512_setzero_ps());
  const __m256i h = (__m256i)_mm512_cvtneps_pbh(hi ? _mm512_maskz_loadu_ps(mask, hi) : _mm512_setzero_ps());
  return _mm512_or_si512(_mm512_cvtepu16_epi32(l), _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/** Packs kc x cols of B (float32, rounded to bfloat16) into kNr-column panels of pairs. */
void PackB(int64_t kc, int64_t cols, const float* b, int64_t ldb, uint16_t* dst) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t j0 = 0; j0 < cols; j0 += kNr) {
    const int64_t w = cols - j0;
    const __mmask16 m0 = w >= 16 ? 0xffff : static_cast<__mmask16>((1u << w) - 1);
    const __mmask16 m1 = w >= 32 ? 0xffff : w > 16 ? static_cast<__mmask16>((1u << (w - 16)) - 1) : 0;
    for (int64_t q = 0; q < pairs; ++q) {
      const float* lo = b + 2 * q * ldb + j0;
      const float* hi = 2 * q + 1 < kc ? lo + ldb : nullptr;
      uint16_t* out = dst + q * 2 * kNr;
      _mm512_storeu_si512(out, PairsOf(lo, hi, m0));
      _mm512_storeu_si512(out + kNr, m1 ? PairsOf(lo + 16, hi ? hi + 16 : nullptr, m1) : _mm512_setzero_si512());
    }
    dst += pairs * 2 * kNr;
  }
}

/** One kMr x kNr tile over `pairs` depth pairs; stores rows x cols of it. */
inline void Tile(int64_t pairs, const uint32_t* pa, const uint16_t* pb, float* c, int64_t ldc,
                 int64_t rows, int64_t cols, bool accumulate) {
  __m512 acc[kMr][2];
#pragma GCC unroll 14
  for (int r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t q = 0; q < pairs; ++q) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(pb + q * 2 * kNr);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(pb + q * 2 * kNr + kNr);
#pragma GCC unroll 14
    for (int r = 0; r < kMr; ++r) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(pa[q * kMr + r]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  const __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? 0xffff : cols > 16 ? static_cast<__mmask16>((1u << (cols - 16)) - 1) : 0;
  for (int r = 0; r < kMr && r < rows; ++r) {
    float* row = c + r * ldc;
    __m512 v0 = acc[r][0];
    __m512 v1 = acc[r][1];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
      if (m1) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    if (m1) _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

void Macro(int64_t rows, int64_t cols, int64_t kc, const uint32_t* pa, const uint16_t* pb, float* c,
           int64_t ldc, bool accumulate) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t j = 0; j < cols; j += kNr) {
    const uint16_t* panel = pb + (j / kNr) * pairs * 2 * kNr;
    for (int64_t i = 0; i < rows; i += kMr) {
      // The next tile's rows of C, a row stride apart, are requested while this tile computes.
      const int64_t ni = i + kMr < rows ? i + kMr : 0;
      const int64_t nj = i + kMr < rows ? j : j + kNr;
      if (nj < cols) {
        PrefetchTile(c + ni * ldc + nj, ldc, std::min<int64_t>(kMr, rows - ni),
                     std::min<int64_t>(kNr, cols - nj));
      }
      Tile(pairs, pa + (i / kMr) * pairs * kMr, panel, c + i * ldc + j, ldc, rows - i, cols - j, accumulate);
    }
  }
}

// Depth blocks of 2048 (1024 pairs): C is read and written once per block, and a tile's B panel
// (128 KiB) streams from L2 as fast as the tile uses it. A block of 3 panels of A is 168 KiB.
const HalfKernels kBf16Pairs = {"avx512bf16 pairs", 16, 2, PackDotB, Dot, PairsLoop,
                                kMr, kNr, 2048, kMr * 3, 1024, PackA, PackB, Macro};

}  // namespace

const HalfKernels* HalfKernelsAvx512Bf16(DType weights) {
  return weights == DType::kBfloat16 ? &kBf16Pairs : nullptr;
}

}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const HalfKernels* HalfKernelsAvx512Bf16(DType) { return nullptr; }
}  // namespace nnbench::kernel
#endif
