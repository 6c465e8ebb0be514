// CRC-32 as zlib computes it (the polynomial of ZIP, gzip and PNG), with runtime dispatch: carry-less
// multiply folding (VPCLMULQDQ on AVX-512, else PCLMULQDQ) where the CPU and OS allow it, a
// slicing-by-8 table otherwise. The same results on every path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnbench {

/** Updates `crc` (0 to start) with `length` bytes, as zlib's crc32(crc, data, length). */
uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t length);

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine). */
uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

/** The implementations, from most to least capable. */
enum class Crc32Kind : int { kVpclmulqdq = 0, kPclmulqdq = 1, kTable = 2 };

/** "vpclmulqdq", "pclmulqdq" or "table". */
const char* Crc32KindName(Crc32Kind kind);

/** The implementation Crc32 uses on this machine. */
Crc32Kind Crc32Active();

/** Whether this CPU, OS and build can run `kind`. */
bool Crc32Supported(Crc32Kind kind);

/** Crc32 computed by `kind`, which must be supported (for tests and benchmarks). */
uint32_t Crc32With(Crc32Kind kind, uint32_t crc, const uint8_t* data, size_t length);

}  // namespace nnbench
