// Few-column kernels for 16-bit weights on AVX-512 (compiled with -mavx512f/bw/dq/vl -mfma):
// inner products of A's 16-bit rows with B's columns, float16 rows widened with vcvtph2ps and
// bfloat16 rows with a shift. The AVX512_BF16 kernel is in hgemm_avx512bf16.cpp.
#include "gemm_half.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__FMA__)
#include <cstring>

#include "convert.h"
#include "few_columns.h"

namespace nnbench::kernel {
namespace {

/** What both widening policies share: 16 elements a step, widened to float32, times float32 B. */
struct WidenedF32 : few_columns::Avx512FloatSums {
  using A = uint16_t;
  static constexpr int W = 16;
  using VA = __m512;
  using VB = __m512;
  using B = float;
  static inline __attribute__((always_inline)) VB LoadB(const B* p) { return _mm512_loadu_ps(p); }
  static inline __attribute__((always_inline)) __m512 Fma(__m512 acc, VA a, VB b) { return _mm512_fmadd_ps(a, b, acc); }
  static inline __attribute__((always_inline)) float ScalarB(B b) { return b; }
  static inline __attribute__((always_inline)) void ToB(const float* from, B* to, size_t count) {
    std::memcpy(to, from, count * sizeof(B));
  }
};

/** float16 weights, widened with vcvtph2ps. */
struct HalfF32 : WidenedF32 {
  static inline __attribute__((always_inline)) VA LoadA(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static inline __attribute__((always_inline)) float ScalarA(uint16_t h) { return HalfToFloat(h); }
};

/** bfloat16 weights, widened by a shift into the upper half of each float32. */
struct Bf16F32 : WidenedF32 {
  static inline __attribute__((always_inline)) VA LoadA(const uint16_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static inline __attribute__((always_inline)) float ScalarA(uint16_t h) { return Bf16BitsToFloat(h); }
};

template <typename P>
void PackDotB(int64_t k, int64_t cols, const float* b, int64_t ldb, void* dst) {
  few_columns::PackB<P>(k, cols, b, ldb, static_cast<typename P::B*>(dst));
}

template <typename P>
void Dot(int64_t rows, int64_t cols, int64_t k, const uint16_t* a, int64_t lda, const void* bt,
         float* c, int64_t ldc) {
  few_columns::Dot<P>(rows, cols, k, a, lda, static_cast<const typename P::B*>(bt), c, ldc);
}

const HalfKernels kHalf = {"avx512 f16c", 16, 4, PackDotB<HalfF32>, Dot<HalfF32>, nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr};
const HalfKernels kBf16 = {"avx512 widen", 16, 4, PackDotB<Bf16F32>, Dot<Bf16F32>, nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr};

}  // namespace

const HalfKernels* HalfKernelsAvx512(DType weights) {
  return weights == DType::kFloat16 ? &kHalf : weights == DType::kBfloat16 ? &kBf16 : nullptr;
}

}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const HalfKernels* HalfKernelsAvx512(DType) { return nullptr; }
}  // namespace nnbench::kernel
#endif
