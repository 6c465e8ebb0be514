// libFuzzer harness for the byte movers of native/core, built with AddressSanitizer and
// UndefinedBehaviorSanitizer by .ci/fuzz (clang: -fsanitize=fuzzer,address,undefined).
//
// Input layout: byte 0 picks the item size (1, 2, 4, 8) and a dtype, byte 1 the rank (0..6),
// then one byte per dimension (0..8), two bytes of file position and two of read length; the
// rest is payload. Buffers are exactly as long as the shape needs, so any overrun is reported.
//
// Properties checked: FortranToC places every element where the Fortran-order index says;
// ByteSwap twice is the identity; Sum never reads out of bounds and sums a ones-tensor exactly;
// HalfToFloat agrees with an independent conversion; ReadAt returns exactly the bytes the file
// holds in the requested range, and with a CRC their CRC-32; every CRC-32 implementation the CPU
// runs agrees with a bit-at-a-time reference at any length, alignment and start value, and
// Crc32Combine joins the CRCs of two parts into the CRC of the whole.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../core/bytes.h"
#include "../core/crc32.h"
#include "../core/dtype.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
  }
}

float ReferenceHalf(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return sign ? -magnitude : magnitude;
}

void CheckFortranToC(const std::vector<size_t>& shape, size_t item, const uint8_t* payload, size_t payload_size) {
  size_t count = 1;
  for (size_t d : shape) count *= d;
  const size_t bytes = count * item;
  std::vector<uint8_t> src(bytes);
  for (size_t i = 0; i < bytes; ++i) src[i] = payload_size ? static_cast<uint8_t>(payload[i % payload_size] + i / payload_size) : static_cast<uint8_t>(i);
  std::vector<uint8_t> dst(bytes, 0xAA);
  nnbench::FortranToC(src.data(), dst.data(), shape, item);
  // Walk C order; the Fortran offset of an index is sum(index[d] * prod(shape[0..d))).
  std::vector<size_t> index(shape.size(), 0);
  for (size_t c = 0; c < count; ++c) {
    size_t offset = 0;
    size_t stride = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      offset += index[d] * stride;
      stride *= shape[d];
    }
    Check(std::memcmp(dst.data() + c * item, src.data() + offset * item, item) == 0, "FortranToC element placement");
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

void CheckByteSwapAndSum(size_t count, size_t item, uint32_t dtype_code, const uint8_t* payload, size_t payload_size) {
  std::vector<uint8_t> data(count * item);
  for (size_t i = 0; i < data.size(); ++i) data[i] = payload_size ? payload[i % payload_size] : 0;
  const std::vector<uint8_t> original = data;
  nnbench::ByteSwap(data.data(), count, item);
  nnbench::ByteSwap(data.data(), count, item);
  Check(data == original, "ByteSwap twice is the identity");
  const auto dtype = static_cast<nnbench::DType>(dtype_code % nnbench::kDTypeCount);
  const size_t dtype_item = nnbench::ItemSize(dtype);
  const size_t elements = data.size() / dtype_item;
  std::vector<uint8_t> exact(elements * dtype_item);
  if (!exact.empty()) std::memcpy(exact.data(), data.data(), exact.size());
  (void)nnbench::Sum(exact.data(), elements, dtype);
  // A tensor of ones sums to its element count in every dtype.
  std::vector<uint8_t> ones(elements * dtype_item, 0);
  for (size_t i = 0; i < elements; ++i) {
    uint8_t* e = ones.data() + i * dtype_item;
    switch (dtype) {
      case nnbench::DType::kFloat16: { const uint16_t v = 0x3c00; std::memcpy(e, &v, 2); break; }
      case nnbench::DType::kBfloat16: { const uint16_t v = 0x3f80; std::memcpy(e, &v, 2); break; }
      case nnbench::DType::kFloat32: { const float v = 1; std::memcpy(e, &v, 4); break; }
      case nnbench::DType::kFloat64: { const double v = 1; std::memcpy(e, &v, 8); break; }
      default: e[0] = 1; break;  // little-endian integers and bool
    }
  }
  Check(nnbench::Sum(ones.data(), elements, dtype) == static_cast<double>(elements), "Sum of ones");
}

uint32_t ReferenceCrc32(uint32_t crc, const uint8_t* data, size_t length) {
  uint32_t c = ~crc;
  for (size_t i = 0; i < length; ++i) {
    c ^= data[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return ~c;
}

void CheckCrc32(const uint8_t* payload, size_t payload_size, uint32_t seed) {
  // Unaligned starts: the payload's own offset is arbitrary; skip a few more bytes.
  const size_t skip = payload_size == 0 ? 0 : seed % (payload_size < 64 ? payload_size : 64);
  const uint8_t* data = payload + skip;
  const size_t length = payload_size - skip;
  const uint32_t start = seed * 2654435761u;
  const uint32_t want = ReferenceCrc32(start, data, length);
  for (auto kind : {nnbench::Crc32Kind::kVpclmulqdq, nnbench::Crc32Kind::kPclmulqdq,
                    nnbench::Crc32Kind::kTable}) {
    if (!nnbench::Crc32Supported(kind)) continue;
    Check(nnbench::Crc32With(kind, start, data, length) == want, "Crc32 matches the reference");
  }
  const size_t cut = length == 0 ? 0 : (seed >> 8) % (length + 1);
  const uint32_t head = nnbench::Crc32(start, data, cut);
  const uint32_t tail = nnbench::Crc32(0, data + cut, length - cut);
  Check(nnbench::Crc32Combine(head, tail, length - cut) == want, "Crc32Combine joins two parts");
}

void CheckReadAt(uint64_t position, size_t length, const uint8_t* payload, size_t payload_size) {
  const int fd = memfd_create("nnbench-fuzz", 0);
  if (fd < 0) return;
  size_t written = 0;
  while (written < payload_size) {
    const ssize_t put = write(fd, payload + written, payload_size - written);
    if (put <= 0) break;
    written += static_cast<size_t>(put);
  }
  std::vector<uint8_t> out(length);
  std::string error;
  const int64_t got = nnbench::ReadAt(fd, position, out.data(), length, &error);
  close(fd);
  const size_t available = position >= written ? 0 : written - position;
  const size_t want = length < available ? length : available;
  Check(got == static_cast<int64_t>(want), "ReadAt returns the bytes in range");
  Check(want == 0 || std::memcmp(out.data(), payload + position, want) == 0, "ReadAt copies the file's bytes");
  uint32_t crc = 7;
  const int fd2 = memfd_create("nnbench-fuzz-crc", 0);
  if (fd2 < 0) return;
  const bool whole = write(fd2, payload, payload_size) == static_cast<ssize_t>(payload_size);
  const int64_t again = nnbench::ReadAt(fd2, position, out.data(), length, &error, &crc);
  close(fd2);
  if (!whole) return;
  Check(again == static_cast<int64_t>(want), "ReadAt with a CRC returns the bytes in range");
  Check(crc == ReferenceCrc32(7, payload + position, want), "ReadAt's CRC is the CRC of the bytes read");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t item = size_t{1} << (data[0] & 3);
  const uint32_t dtype_code = data[0] >> 2;
  const size_t ndim = data[1] % 7;
  if (size < 2 + ndim + 4) return 0;
  std::vector<size_t> shape(ndim);
  size_t count = 1;
  for (size_t d = 0; d < ndim; ++d) {
    shape[d] = data[2 + d] % 9;
    count *= shape[d];
  }
  const uint8_t* tail = data + 2 + ndim;
  const uint64_t position = tail[0] | (tail[1] << 8);
  const size_t length = static_cast<size_t>(tail[2] | (tail[3] << 8));
  const uint8_t* payload = tail + 4;
  const size_t payload_size = size - (2 + ndim + 4);

  CheckFortranToC(shape, item, payload, payload_size);
  CheckByteSwapAndSum(count, item, dtype_code, payload, payload_size);
  for (size_t i = 0; i + 1 < payload_size && i < 64; i += 2) {
    const uint16_t h = static_cast<uint16_t>(payload[i] | (payload[i + 1] << 8));
    const float got = nnbench::HalfToFloat(h);
    const float want = ReferenceHalf(h);
    Check((std::isnan(got) && std::isnan(want)) || std::memcmp(&got, &want, sizeof got) == 0, "HalfToFloat");
  }
  CheckReadAt(position, length, payload, payload_size);
  CheckCrc32(payload, payload_size, static_cast<uint32_t>(tail[0] | (tail[2] << 8) | (data[0] << 16)));
  return 0;
}
