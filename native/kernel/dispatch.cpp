// Runtime ISA dispatch: picks the kernel tables the CPU and OS can run, honours NNBENCH_GEMM_ISA,
// and measures the FMA peak of the active ISA. Compiled without ISA flags; only the tables run
// ISA instructions.
#include "dispatch.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "thread_pool.h"

namespace nnbench::kernel {

namespace {

std::atomic<int> g_isa{-1};  // -1: not chosen yet

bool Supported(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return true;
    case Isa::kAvx2:
      return CpuHasAvx2Fma() && SgemmKernelsAvx2() != nullptr && DgemmKernelsAvx2() != nullptr;
    case Isa::kAvx512:
      return CpuHasAvx512() && SgemmKernelsAvx512() != nullptr &&
             DgemmKernelsAvx512() != nullptr;
  }
  return false;
}

Isa InitialIsa() {
  const char* env = std::getenv("NNBENCH_GEMM_ISA");
  Isa wanted;
  if (env != nullptr && ParseIsa(env, &wanted) && Supported(wanted)) return wanted;
  return DetectIsa();
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool ParseIsa(const char* name, Isa* out) {
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(name, IsaName(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

Isa DetectIsa() {
  if (Supported(Isa::kAvx512)) return Isa::kAvx512;
  if (Supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kPortable;
}

Isa ActiveIsa() {
  int isa = g_isa.load(std::memory_order_acquire);
  if (isa < 0) {
    int unset = -1;
    g_isa.compare_exchange_strong(unset, static_cast<int>(InitialIsa()));
    isa = g_isa.load(std::memory_order_acquire);
  }
  return static_cast<Isa>(isa);
}

bool SetIsa(Isa isa) {
  if (!Supported(isa)) return false;
  g_isa.store(static_cast<int>(isa), std::memory_order_release);
  return true;
}

const KernelSet<float>& ActiveKernels(float*) {
  const Isa isa = ActiveIsa();
  if (isa == Isa::kAvx512) return *SgemmKernelsAvx512();
  if (isa == Isa::kAvx2) return *SgemmKernelsAvx2();
  return *SgemmKernelsPortable();
}

const KernelSet<double>& ActiveKernels(double*) {
  const Isa isa = ActiveIsa();
  if (isa == Isa::kAvx512) return *DgemmKernelsAvx512();
  if (isa == Isa::kAvx2) return *DgemmKernelsAvx2();
  return *DgemmKernelsPortable();
}

double LoopPeakGflops(double (*loop)(int64_t iters), double seconds, int threads) {
  if (threads < 1) threads = 1;
  if (!(seconds > 0)) seconds = 0.1;
  std::lock_guard<std::mutex> lease(SharedPool().lease());
  std::atomic<double> total{0};
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  auto job = [&](int) {
    double flops = 0;
    do {
      flops += loop(1 << 16);
    } while (std::chrono::steady_clock::now() < until);
    double seen = total.load();
    while (!total.compare_exchange_weak(seen, seen + flops)) {
    }
  };
  SharedPool().Run(threads, job);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total.load() / elapsed / 1e9;
}

double FmaPeakGflops(double seconds, int threads) {
  return LoopPeakGflops(ActiveKernels<float>().fma_loop, seconds, threads);
}

}  // namespace nnbench::kernel
