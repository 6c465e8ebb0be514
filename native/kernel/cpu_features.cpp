// CPU feature detection: cpuid says what the processor implements, XCR0 (read with xgetbv) says
// which register state the operating system saves on context switches. Both are needed: a kernel
// may have AVX-512 in the CPU but not enabled by the OS, and then zmm registers are unusable.
#include "kernel_set.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace nnbench::kernel {

#if defined(__x86_64__) || defined(__i386__)
namespace {

struct Features {
  bool avx2_fma = false;
  bool avx512 = false;
  bool f16c = false;
  bool avx512_bf16 = false;
};

uint64_t ReadXcr0() {
  uint32_t lo = 0;
  uint32_t hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

Features Detect() {
  Features f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = (ecx >> 27) & 1;
  const bool avx = (ecx >> 28) & 1;
  const bool fma = (ecx >> 12) & 1;
  const bool f16c = (ecx >> 29) & 1;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = ReadXcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // SSE and AVX state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;   // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_ymm) return f;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = (ebx >> 5) & 1;
  const bool avx512f = (ebx >> 16) & 1;
  const bool avx512dq = (ebx >> 17) & 1;
  const bool avx512bw = (ebx >> 30) & 1;
  const bool avx512vl = (ebx >> 31) & 1;
  f.avx2_fma = avx2 && fma;
  f.avx512 = f.avx2_fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl;
  f.f16c = f16c;
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  f.avx512_bf16 = f.avx512 && ((eax >> 5) & 1);
  return f;
}

const Features& Cached() {
  static const Features features = Detect();
  return features;
}

}  // namespace

bool CpuHasAvx2Fma() { return Cached().avx2_fma; }
bool CpuHasAvx512() { return Cached().avx512; }
bool CpuHasF16c() { return Cached().f16c; }
bool CpuHasAvx512Bf16() { return Cached().avx512_bf16; }
#else
bool CpuHasAvx2Fma() { return false; }
bool CpuHasAvx512() { return false; }
bool CpuHasF16c() { return false; }
bool CpuHasAvx512Bf16() { return false; }
#endif

}  // namespace nnbench::kernel
