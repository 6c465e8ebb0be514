// float32 <-> float16 / bfloat16 conversions for AVX2 + F16C (compiled with -mavx2 -mf16c).
#include "convert.h"

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>

namespace nnbench::kernel {
namespace {

// bfloat16 bits of 8 floats, round to nearest even, NaN made quiet: in the low 128 bits.
__m128i Bf16Of(__m256i x) {
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_add_epi32(x, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
  const __m256i magnitude = _mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff));
  const __m256i nan = _mm256_cmpgt_epi32(magnitude, _mm256_set1_epi32(0x7f800000));
  const __m256i quiet = _mm256_or_si256(x, _mm256_set1_epi32(0x400000));
  const __m256i bits = _mm256_srli_epi32(_mm256_blendv_epi8(rounded, quiet, nan), 16);
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(bits, bits), 0x08);
  return _mm256_castsi256_si128(packed);
}

void F32ToBf16(const float* src, uint16_t* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), Bf16Of(x));
  }
  for (; i < count; ++i) dst[i] = FloatToBf16Bits(src[i]);
}

void Bf16ToF32(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  for (; i < count; ++i) dst[i] = Bf16BitsToFloat(src[i]);
}

void F32ToF16(const float* src, uint16_t* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < count; ++i) dst[i] = FloatToHalfBits(src[i]);
}

void F16ToF32(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  for (; i < count; ++i) dst[i] = HalfToFloat(src[i]);
}

const ConvertKernels kSet = {"avx2", F32ToBf16, Bf16ToF32, F32ToF16, F16ToF32};

}  // namespace
const ConvertKernels* ConvertKernelsAvx2() { return &kSet; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const ConvertKernels* ConvertKernelsAvx2() { return nullptr; }
}  // namespace nnbench::kernel
#endif
