// float32 <-> float16 / bfloat16 conversions for AVX-512 (compiled with -mavx512f/bw/dq/vl); the
// AVX512_BF16 variant is compiled for that extension alone through a target attribute and only
// called once cpuid reported it.
#include "convert.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

namespace nnbench::kernel {
namespace {

__mmask16 TailMask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }

// bfloat16 bits of 16 floats by integer rounding: nearest even, subnormals exact, NaN made quiet.
__m256i Bf16OfInteger(__m512i x) {
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(x, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  const __m512i magnitude = _mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff));
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(magnitude, _mm512_set1_epi32(0x7f800000));
  const __m512i bits = _mm512_mask_or_epi32(rounded, nan, x, _mm512_set1_epi32(0x400000));
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(bits, 16));
}

void F32ToBf16Integer(const float* src, uint16_t* dst, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m512i x = _mm512_loadu_si512(src + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), Bf16OfInteger(x));
  }
  if (i < count) {
    const __mmask16 m = TailMask(count - i);
    _mm256_mask_storeu_epi16(dst + i, m, Bf16OfInteger(_mm512_maskz_loadu_epi32(m, src + i)));
  }
}

void Bf16ToF32(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm512_storeu_si512(dst + i, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  if (i < count) {
    const __mmask16 m = TailMask(count - i);
    const __m256i h = _mm256_maskz_loadu_epi16(m, src + i);
    _mm512_mask_storeu_epi32(dst + i, m, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

void F32ToF16(const float* src, uint16_t* dst, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), h);
  }
  if (i < count) {
    const __mmask16 m = TailMask(count - i);
    const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_mask_storeu_epi16(dst + i, m, h);
  }
}

void F16ToF32(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
  }
  if (i < count) {
    const __mmask16 m = TailMask(count - i);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, src + i)));
  }
}

// vcvtneps2bf16 rounds to nearest even and quiets NaN as the integer path does, but flushes
// subnormal inputs to zero: vectors holding one take the integer path.
__attribute__((target("avx512bf16"))) inline __m256i Bf16OfInstruction(__m512i x) {
  const __m512i exponent = _mm512_and_si512(x, _mm512_set1_epi32(0x7f800000));
  const __mmask16 zero_exponent = _mm512_cmpeq_epi32_mask(exponent, _mm512_setzero_si512());
  const __mmask16 subnormal = _mm512_mask_test_epi32_mask(zero_exponent, x, _mm512_set1_epi32(0x7fffff));
  if (subnormal != 0) return Bf16OfInteger(x);
  return (__m256i)_mm512_cvtneps_pbh(_mm512_castsi512_ps(x));
}

__attribute__((target("avx512bf16"))) void F32ToBf16Instruction(const float* src, uint16_t* dst, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m512i x = _mm512_loadu_si512(src + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), Bf16OfInstruction(x));
  }
  if (i < count) {
    const __mmask16 m = TailMask(count - i);
    _mm256_mask_storeu_epi16(dst + i, m, Bf16OfInstruction(_mm512_maskz_loadu_epi32(m, src + i)));
  }
}

const ConvertKernels kSet = {"avx512", F32ToBf16Integer, Bf16ToF32, F32ToF16, F16ToF32};
const ConvertKernels kBf16Set = {"avx512bf16", F32ToBf16Instruction, Bf16ToF32, F32ToF16, F16ToF32};

}  // namespace
const ConvertKernels* ConvertKernelsAvx512() { return &kSet; }
const ConvertKernels* ConvertKernelsAvx512Bf16() { return &kBf16Set; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const ConvertKernels* ConvertKernelsAvx512() { return nullptr; }
const ConvertKernels* ConvertKernelsAvx512Bf16() { return nullptr; }
}  // namespace nnbench::kernel
#endif
