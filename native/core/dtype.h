// Element types, numbered as src/native/dtype.ts numbers them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnbench {

enum class DType : uint32_t {
  kFloat16 = 0,
  kFloat32 = 1,
  kFloat64 = 2,
  kInt8 = 3,
  kInt16 = 4,
  kInt32 = 5,
  kInt64 = 6,
  kUint8 = 7,
  kUint16 = 8,
  kUint32 = 9,
  kUint64 = 10,
  kBool = 11,
  kBfloat16 = 12,
};

constexpr uint32_t kDTypeCount = 13;

/** Bytes per element of `dtype`. */
size_t ItemSize(DType dtype);

/** IEEE 754 half precision bits to float. */
float HalfToFloat(uint16_t bits);

/** bfloat16 bits (the upper half of a float's) to float. */
float Bfloat16ToFloat(uint16_t bits);

}  // namespace nnbench
