// Conversions between the floating-point element types (float16, bfloat16, float32, float64):
// round to nearest, ties to even, exactly as IEEE 754 prescribes for one rounding step; NaN stays
// NaN (quiet, sign and leading payload bits kept, as the x86 conversion instructions do);
// infinities and subnormals are exact. Vectorized per ISA with runtime dispatch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../core/dtype.h"

namespace nnbench::kernel {

/** True for the dtypes ConvertFloats handles: float16, bfloat16, float32 and float64. */
bool IsFloatDType(DType dtype);

/**
 * Converts `count` elements of `from` at `src` into `to` at `dst` (buffers must not overlap).
 * Large conversions are split across up to 4 threads. Returns false, writing nothing, unless both
 * dtypes are floating-point.
 */
bool ConvertFloats(const void* src, DType from, void* dst, DType to, size_t count);

/** Widens `count` 16-bit values to float32, exactly. */
using WidenFn = void (*)(const uint16_t* src, float* dst, size_t count);

/**
 * The routine ConvertFloats widens `half` (bfloat16 or float16) with now, on the calling thread,
 * for callers that widen many short rows.
 */
WidenFn ActiveWiden(DType half);

/** The instructions the float32 <-> `half` conversions run now, e.g. "avx512bf16" or "portable". */
const char* ConvertPath(DType half);

/** Scalar conversions, the reference every vector path matches bit for bit. */
uint16_t FloatToBf16Bits(float value);
uint16_t FloatToHalfBits(float value);
float Bf16BitsToFloat(uint16_t bits);

/** Kernels one ISA provides for float32 <-> 16-bit arrays (nullptr members: use the portable one). */
struct ConvertKernels {
  const char* name;
  void (*f32_to_bf16)(const float* src, uint16_t* dst, size_t count);
  void (*bf16_to_f32)(const uint16_t* src, float* dst, size_t count);
  void (*f32_to_f16)(const float* src, uint16_t* dst, size_t count);
  void (*f16_to_f32)(const uint16_t* src, float* dst, size_t count);
};

const ConvertKernels* ConvertKernelsPortable();
const ConvertKernels* ConvertKernelsAvx2();        // AVX2 + F16C
const ConvertKernels* ConvertKernelsAvx512();      // AVX-512 F/BW
const ConvertKernels* ConvertKernelsAvx512Bf16();  // plus AVX512_BF16 (vcvtneps2bf16)

}  // namespace nnbench::kernel
