// The carry-less multiply paths of CRC-32 and the CPU checks that guard them (see crc32.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnbench {

/** Slicing-by-8 CRC-32: the path every CPU runs, and the one the others use for short tails. */
uint32_t Crc32Table(uint32_t crc, const uint8_t* data, size_t length);

/** True when the CPU has PCLMULQDQ and SSE4.1. */
bool CpuCanPclmul();

/** True when the CPU has VPCLMULQDQ and AVX-512 F, and the OS saves the AVX-512 state. */
bool CpuCanVpclmul512();

/** CRC-32 by folding 16-byte blocks with PCLMULQDQ. Only when CpuCanPclmul(). */
uint32_t Crc32Pclmul(uint32_t crc, const uint8_t* data, size_t length);

/** CRC-32 by folding 64-byte blocks with VPCLMULQDQ. Only when CpuCanVpclmul512(). */
uint32_t Crc32Vpclmul512(uint32_t crc, const uint8_t* data, size_t length);

}  // namespace nnbench
