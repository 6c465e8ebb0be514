// Dispatch and portable code of the floating-point conversions (see convert.h).
#include "convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "dispatch.h"

namespace nnbench::kernel {

namespace {

uint32_t BitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

float FloatOf(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

void F32ToBf16Portable(const float* src, uint16_t* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = FloatToBf16Bits(src[i]);
}
void Bf16ToF32Portable(const uint16_t* src, float* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = Bf16BitsToFloat(src[i]);
}
void F32ToF16Portable(const float* src, uint16_t* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = FloatToHalfBits(src[i]);
}
void F16ToF32Portable(const uint16_t* src, float* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = HalfToFloat(src[i]);
}

const ConvertKernels kPortable = {"portable", F32ToBf16Portable, Bf16ToF32Portable, F32ToF16Portable,
                                  F16ToF32Portable};

const ConvertKernels& Active() {
  const ConvertKernels* k = nullptr;
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      k = CpuHasAvx512Bf16() ? ConvertKernelsAvx512Bf16() : ConvertKernelsAvx512();
      break;
    case Isa::kAvx2:
      k = CpuHasF16c() ? ConvertKernelsAvx2() : nullptr;
      break;
    case Isa::kPortable:
      break;
  }
  return k != nullptr ? *k : kPortable;
}

// Rounds a double once, to nearest even, onto the grid of a binary format with `mantissa_bits`
// stored bits and least normal exponent `emin`; returns infinity past the largest finite value.
// The result is exact in float32, so converting it to the 16-bit format rounds no further.
float RoundDouble(double v, int mantissa_bits, int emin, double max_finite) {
  if (std::isnan(v) || std::isinf(v) || v == 0) return static_cast<float>(v);
  const double a = std::fabs(v);
  int e = 0;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  const int exponent = std::max(e - 1, emin);
  const double quantum = std::ldexp(1.0, exponent - mantissa_bits);
  double r = std::nearbyint(a / quantum) * quantum;  // default rounding: nearest, ties to even
  if (r > max_finite) r = HUGE_VAL;
  return static_cast<float>(std::signbit(v) ? -r : r);
}

uint16_t DoubleToBf16(double v) {
  if (std::isnan(v)) return FloatToBf16Bits(static_cast<float>(v));
  return FloatToBf16Bits(RoundDouble(v, 7, -126, 3.3895313892515355e38));
}

uint16_t DoubleToHalf(double v) {
  if (std::isnan(v)) return FloatToHalfBits(static_cast<float>(v));
  return FloatToHalfBits(RoundDouble(v, 10, -14, 65504.0));
}

// One conversion over [begin, end) elements.
void ConvertRange(const ConvertKernels& k, const uint8_t* src, DType from, uint8_t* dst, DType to,
                  size_t begin, size_t end) {
  const size_t n = end - begin;
  const auto* s16 = reinterpret_cast<const uint16_t*>(src) + begin;
  const auto* s32 = reinterpret_cast<const float*>(src) + begin;
  const auto* s64 = reinterpret_cast<const double*>(src) + begin;
  auto* d16 = reinterpret_cast<uint16_t*>(dst) + begin;
  auto* d32 = reinterpret_cast<float*>(dst) + begin;
  auto* d64 = reinterpret_cast<double*>(dst) + begin;
  if (from == to) {
    std::memcpy(dst + begin * ItemSize(to), src + begin * ItemSize(from), n * ItemSize(to));
    return;
  }
  if (from == DType::kFloat32) {
    if (to == DType::kBfloat16) return k.f32_to_bf16(s32, d16, n);
    if (to == DType::kFloat16) return k.f32_to_f16(s32, d16, n);
    for (size_t i = 0; i < n; ++i) d64[i] = s32[i];
    return;
  }
  if (from == DType::kFloat64) {
    if (to == DType::kFloat32) {
      for (size_t i = 0; i < n; ++i) d32[i] = static_cast<float>(s64[i]);
    } else {
      const bool bf16 = to == DType::kBfloat16;
      for (size_t i = 0; i < n; ++i) d16[i] = bf16 ? DoubleToBf16(s64[i]) : DoubleToHalf(s64[i]);
    }
    return;
  }
  // A 16-bit source: widen to float32 (exact), in blocks when the target is not float32.
  auto widen = from == DType::kBfloat16 ? k.bf16_to_f32 : k.f16_to_f32;
  if (to == DType::kFloat32) return widen(s16, d32, n);
  constexpr size_t kBlock = 2048;
  alignas(64) float block[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = std::min(kBlock, n - i);
    widen(s16 + i, block, m);
    if (to == DType::kFloat64) {
      for (size_t j = 0; j < m; ++j) d64[i + j] = block[j];
    } else if (to == DType::kBfloat16) {
      k.f32_to_bf16(block, d16 + i, m);
    } else {
      k.f32_to_f16(block, d16 + i, m);
    }
  }
}

}  // namespace

uint16_t FloatToBf16Bits(float value) {
  const uint32_t x = BitsOf(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x0040u);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

float Bf16BitsToFloat(uint16_t bits) { return FloatOf(static_cast<uint32_t>(bits) << 16); }

uint16_t FloatToHalfBits(float value) {
  const uint32_t x = BitsOf(value);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exponent = (x >> 23) & 0xffu;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent == 0xff) {
    return static_cast<uint16_t>(sign | 0x7c00u | (mantissa != 0 ? 0x200u | (mantissa >> 13) : 0u));
  }
  const int e = static_cast<int>(exponent) - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - e;
    const uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    const uint32_t rounded = rest > halfway || (rest == halfway && (half & 1u)) ? half + 1 : half;
    return static_cast<uint16_t>(sign | rounded);
  }
  uint32_t bits = (static_cast<uint32_t>(e) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (bits & 1u))) bits += 1;  // may carry into the exponent
  return static_cast<uint16_t>(sign | (bits >= 0x7c00u ? 0x7c00u : bits));
}

bool IsFloatDType(DType dtype) {
  return dtype == DType::kFloat16 || dtype == DType::kBfloat16 || dtype == DType::kFloat32 ||
         dtype == DType::kFloat64;
}

const ConvertKernels* ConvertKernelsPortable() { return &kPortable; }

WidenFn ActiveWiden(DType half) {
  return half == DType::kBfloat16 ? Active().bf16_to_f32 : Active().f16_to_f32;
}

const char* ConvertPath(DType half) {
  const ConvertKernels& k = Active();
  if (half == DType::kFloat16 && std::strcmp(k.name, "avx512bf16") == 0) return "avx512";
  return k.name;
}

bool ConvertFloats(const void* src, DType from, void* dst, DType to, size_t count) {
  if (!IsFloatDType(from) || !IsFloatDType(to)) return false;
  if (count == 0) return true;
  const ConvertKernels& k = Active();
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  // One core converts at a few bytes per cycle; past some megabytes, memory bandwidth is only
  // reached with several cores streaming.
  constexpr size_t kPerThread = size_t{1} << 21;  // elements
  // hardware_concurrency() reads /sys on Linux: ask once.
  static const size_t cores = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  const size_t parts = std::min(cores, (count + kPerThread - 1) / kPerThread);
  if (parts <= 1) {
    ConvertRange(k, s, from, d, to, 0, count);
    return true;
  }
  const size_t step = (count / parts + 63) / 64 * 64;
  std::vector<std::thread> threads;
  size_t begin = step;  // part 0 runs on this thread
  try {
    for (; begin < count; begin += step) {
      const size_t end = std::min(count, begin + step);
      threads.emplace_back([&k, s, from, d, to, begin, end] { ConvertRange(k, s, from, d, to, begin, end); });
    }
  } catch (const std::system_error&) {
    // No thread could be started: convert the rest here.
    ConvertRange(k, s, from, d, to, begin, count);
  }
  ConvertRange(k, s, from, d, to, 0, std::min(step, count));
  for (std::thread& t : threads) t.join();
  return true;
}

}  // namespace nnbench::kernel
