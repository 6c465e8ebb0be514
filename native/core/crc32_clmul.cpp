// CRC-32 by carry-less multiplication ("Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
// Instruction", Intel, 2009, in its bit-reflected form, as zlib, Linux and crc32fast use it). The
// data is folded 128 bits at a time: a block A that lies D bits before block B is replaced by
// A.lo * (x^(D+32) mod P) ^ A.hi * (x^(D-32) mod P), which has the same remainder at B's place; the
// last 128 bits are reduced to 32 with a Barrett reduction. Each function carries its own target
// attribute, so the file builds without ISA flags and runs only after a CPU check.
#include "crc32_clmul.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNBENCH_CRC32_CLMUL 1
#include <immintrin.h>
#endif

namespace nnbench {

#if defined(NNBENCH_CRC32_CLMUL)

namespace {

#define NNBENCH_PCLMUL __attribute__((target("pclmul,sse4.1")))
#define NNBENCH_VPCLMUL __attribute__((target("vpclmulqdq,avx512f,pclmul,sse4.1")))

// Folding constants: bit-reflected x^n mod P, shifted left by one, for the fold distances used.
constexpr int64_t kFold2048Lo = 0x11542778a;  // x^(2048+32)
constexpr int64_t kFold2048Hi = 0x1322d1430;  // x^(2048-32)
constexpr int64_t kFold512Lo = 0x154442bd4;
constexpr int64_t kFold512Hi = 0x1c6e41596;
constexpr int64_t kFold384Lo = 0x03db1ecdc;
constexpr int64_t kFold384Hi = 0x174359406;
constexpr int64_t kFold256Lo = 0x0f1da05aa;
constexpr int64_t kFold256Hi = 0x15a546366;
constexpr int64_t kFold128Lo = 0x1751997d0;
constexpr int64_t kFold128Hi = 0x0ccaa009e;
constexpr int64_t kFold64 = 0x163cd6124;  // x^64, for the step from 96 to 64 bits
// Barrett reduction: the polynomial P(x) and mu = floor(x^64 / P(x)), bit-reflected.
constexpr int64_t kPoly = 0x1db710641;
constexpr int64_t kMu = 0x1f7011641;

NNBENCH_PCLMUL inline __m128i Load128(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

/** `a` moved forward over the distance `keys` encode (see the file comment). */
NNBENCH_PCLMUL inline __m128i Shift128(__m128i a, __m128i keys) {
  return _mm_xor_si128(_mm_clmulepi64_si128(a, keys, 0x00), _mm_clmulepi64_si128(a, keys, 0x11));
}

/** Folds `a` into the block `b` that follows it at the distance `keys` encode. */
NNBENCH_PCLMUL inline __m128i Fold128(__m128i a, __m128i b, __m128i keys) {
  return _mm_xor_si128(b, Shift128(a, keys));
}

/**
 * Folds 16-byte blocks into `x` while at least 16 bytes remain, reduces x to the CRC-32 and
 * finishes the last bytes with the table.
 */
NNBENCH_PCLMUL uint32_t Finish128(__m128i x, const uint8_t* data, size_t length) {
  const __m128i k128 = _mm_set_epi64x(kFold128Hi, kFold128Lo);
  for (; length >= 16; data += 16, length -= 16) x = Fold128(x, Load128(data), k128);
  // 128 -> 96 -> 64 bits (as Linux and zlib do), then Barrett reduction to 32 bits.
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
  x = _mm_xor_si128(_mm_clmulepi64_si128(x, k128, 0x10), _mm_srli_si128(x, 8));
  x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), _mm_set_epi64x(0, kFold64), 0x00),
                    _mm_srli_si128(x, 4));
  const __m128i poly_mu = _mm_set_epi64x(kMu, kPoly);
  const __m128i t1 = _mm_clmulepi64_si128(_mm_and_si128(x, low32), poly_mu, 0x10);
  const __m128i t2 = _mm_clmulepi64_si128(_mm_and_si128(t1, low32), poly_mu, 0x00);
  const auto folded = static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(x, t2), 1));
  return Crc32Table(~folded, data, length);
}

NNBENCH_VPCLMUL inline __m512i Load512(const uint8_t* p) { return _mm512_loadu_si512(p); }

NNBENCH_VPCLMUL inline __m512i Keys512(int64_t hi, int64_t lo) {
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

/** Folds every 128-bit lane of `a` into the same lane of `b`, at the distance `keys` encode. */
NNBENCH_VPCLMUL inline __m512i Fold512(__m512i a, __m512i b, __m512i keys) {
  // 0x96: three-way exclusive or.
  return _mm512_ternarylogic_epi64(b, _mm512_clmulepi64_epi128(a, keys, 0x00),
                                   _mm512_clmulepi64_epi128(a, keys, 0x11), 0x96);
}

/** The four 128-bit lanes of `z` (64 consecutive bytes) folded into one. */
NNBENCH_VPCLMUL inline __m128i Lanes(__m512i z) {
  alignas(64) __m128i lane[4];
  _mm512_store_si512(lane, z);
  __m128i x = lane[3];
  x = _mm_xor_si128(x, Shift128(lane[0], _mm_set_epi64x(kFold384Hi, kFold384Lo)));
  x = _mm_xor_si128(x, Shift128(lane[1], _mm_set_epi64x(kFold256Hi, kFold256Lo)));
  x = _mm_xor_si128(x, Shift128(lane[2], _mm_set_epi64x(kFold128Hi, kFold128Lo)));
  return x;
}

}  // namespace

bool CpuCanPclmul() {
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

bool CpuCanVpclmul512() {
  // libgcc and compiler-rt report AVX-512 features only when the OS saves their register state.
  return CpuCanPclmul() && __builtin_cpu_supports("vpclmulqdq") &&
         __builtin_cpu_supports("avx512f");
}

NNBENCH_PCLMUL uint32_t Crc32Pclmul(uint32_t crc, const uint8_t* data, size_t length) {
  if (length < 64) return Crc32Table(crc, data, length);
  // Four blocks in flight, 64 bytes apart, hide the multiplier's latency.
  __m128i x0 = _mm_xor_si128(Load128(data), _mm_cvtsi32_si128(static_cast<int>(~crc)));
  __m128i x1 = Load128(data + 16);
  __m128i x2 = Load128(data + 32);
  __m128i x3 = Load128(data + 48);
  data += 64;
  length -= 64;
  const __m128i k512 = _mm_set_epi64x(kFold512Hi, kFold512Lo);
  for (; length >= 64; data += 64, length -= 64) {
    x0 = Fold128(x0, Load128(data), k512);
    x1 = Fold128(x1, Load128(data + 16), k512);
    x2 = Fold128(x2, Load128(data + 32), k512);
    x3 = Fold128(x3, Load128(data + 48), k512);
  }
  const __m128i k128 = _mm_set_epi64x(kFold128Hi, kFold128Lo);
  __m128i x = Fold128(x0, x1, k128);
  x = Fold128(x, x2, k128);
  x = Fold128(x, x3, k128);
  return Finish128(x, data, length);
}

NNBENCH_VPCLMUL uint32_t Crc32Vpclmul512(uint32_t crc, const uint8_t* data, size_t length) {
  if (length < 512) return Crc32Pclmul(crc, data, length);
  // Four 64-byte blocks in flight, 256 bytes apart.
  const __m512i seed = _mm512_inserti32x4(_mm512_setzero_si512(),
                                          _mm_cvtsi32_si128(static_cast<int>(~crc)), 0);
  __m512i z0 = _mm512_xor_si512(Load512(data), seed);
  __m512i z1 = Load512(data + 64);
  __m512i z2 = Load512(data + 128);
  __m512i z3 = Load512(data + 192);
  data += 256;
  length -= 256;
  const __m512i k2048 = Keys512(kFold2048Hi, kFold2048Lo);
  for (; length >= 256; data += 256, length -= 256) {
    z0 = Fold512(z0, Load512(data), k2048);
    z1 = Fold512(z1, Load512(data + 64), k2048);
    z2 = Fold512(z2, Load512(data + 128), k2048);
    z3 = Fold512(z3, Load512(data + 192), k2048);
  }
  const __m512i k512 = Keys512(kFold512Hi, kFold512Lo);
  __m512i z = Fold512(z0, z1, k512);
  z = Fold512(z, z2, k512);
  z = Fold512(z, z3, k512);
  return Finish128(Lanes(z), data, length);
}

#else  // no carry-less multiply paths in this build

bool CpuCanPclmul() { return false; }
bool CpuCanVpclmul512() { return false; }
uint32_t Crc32Pclmul(uint32_t crc, const uint8_t* data, size_t length) {
  return Crc32Table(crc, data, length);
}
uint32_t Crc32Vpclmul512(uint32_t crc, const uint8_t* data, size_t length) {
  return Crc32Table(crc, data, length);
}

#endif

}  // namespace nnbench
