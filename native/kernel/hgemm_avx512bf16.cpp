// The few-column kernel for bfloat16 weights with AVX512_BF16 (compiled with -mavx512bf16 besides
// the AVX-512 flags, and called only once cpuid reported the extension): B is rounded to bfloat16
// and each vdpbf16ps multiplies 32 pairs, accumulating in float32.
#include "gemm_half.h"

#if defined(__AVX512F__) && defined(__AVX512BF16__)
#include "convert.h"
#include "hgemm_dot.h"

namespace nnbench::kernel {
namespace {

struct Bf16Pairs {
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
};

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

const HalfKernels kBf16Pairs = {"avx512bf16 pairs", true, 16, hgemm::Dot<Bf16Pairs>, PairsLoop};

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
