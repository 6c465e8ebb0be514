// CRC-32 (zlib's): the table path, CRC combination and the runtime choice of implementation. The
// carry-less multiply paths live in crc32_clmul.cpp.
#include "crc32.h"

#include <array>

#include "crc32_clmul.h"

namespace nnbench {

namespace {

constexpr uint32_t kPoly = 0xEDB88320u;  // 0x04C11DB7, bit-reflected

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by k
// zero bytes, so eight bytes can be folded in at once (slicing-by-8).
constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint32_t Load32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// a * b modulo the polynomial, both bit-reflected (zlib's multmodp).
uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31;
  uint32_t p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

// x^(2^k) modulo the polynomial, for k < 32.
std::array<uint32_t, 32> MakePowers() {
  std::array<uint32_t, 32> t{};
  uint32_t p = 1u << 30;  // x^1
  t[0] = p;
  for (int k = 1; k < 32; ++k) t[k] = p = MultModP(p, p);
  return t;
}

// x^(8 * bytes) modulo the polynomial.
uint32_t ShiftBytes(uint64_t bytes) {
  static const std::array<uint32_t, 32> powers = MakePowers();
  uint32_t p = 1u << 31;  // x^0
  for (unsigned k = 3; bytes != 0; bytes >>= 1, ++k) {
    if (bytes & 1) p = MultModP(powers[k & 31], p);
  }
  return p;
}

Crc32Kind Choose() {
  for (Crc32Kind kind : {Crc32Kind::kVpclmulqdq, Crc32Kind::kPclmulqdq}) {
    if (Crc32Supported(kind)) return kind;
  }
  return Crc32Kind::kTable;
}

}  // namespace

uint32_t Crc32Table(uint32_t crc, const uint8_t* data, size_t length) {
  uint32_t c = ~crc;
  for (; length >= 8; data += 8, length -= 8) {
    const uint32_t lo = Load32(data) ^ c;
    const uint32_t hi = Load32(data + 4);
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
  }
  for (; length > 0; ++data, --length) c = (c >> 8) ^ kTables[0][(c ^ *data) & 0xFF];
  return ~c;
}

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return MultModP(ShiftBytes(length_b), crc_a) ^ crc_b;
}

const char* Crc32KindName(Crc32Kind kind) {
  switch (kind) {
    case Crc32Kind::kVpclmulqdq:
      return "vpclmulqdq";
    case Crc32Kind::kPclmulqdq:
      return "pclmulqdq";
    case Crc32Kind::kTable:
      return "table";
  }
  return "unknown";
}

bool Crc32Supported(Crc32Kind kind) {
  switch (kind) {
    case Crc32Kind::kVpclmulqdq:
      return CpuCanVpclmul512();
    case Crc32Kind::kPclmulqdq:
      return CpuCanPclmul();
    case Crc32Kind::kTable:
      return true;
  }
  return false;
}

Crc32Kind Crc32Active() {
  static const Crc32Kind kind = Choose();
  return kind;
}

uint32_t Crc32With(Crc32Kind kind, uint32_t crc, const uint8_t* data, size_t length) {
  switch (kind) {
    case Crc32Kind::kVpclmulqdq:
      return Crc32Vpclmul512(crc, data, length);
    case Crc32Kind::kPclmulqdq:
      return Crc32Pclmul(crc, data, length);
    case Crc32Kind::kTable:
      break;
  }
  return Crc32Table(crc, data, length);
}

uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t length) {
  return Crc32With(Crc32Active(), crc, data, length);
}

}  // namespace nnbench
