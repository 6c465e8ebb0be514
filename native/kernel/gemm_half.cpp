// The driver of products with 16-bit weights (gemm_half.h). Compiled without ISA flags; only the
// kernel tables run ISA instructions.
#include "gemm_half.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>

#include "convert.h"
#include "kernel_set.h"
#include "scratch.h"
#include "thread_pool.h"

namespace nnbench::kernel {

namespace {

// Products below this many flops run on the calling thread.
constexpr double kMinParallelFlops = 2e6;
// Rows of A converted to float32 at a time on the conversion path: about this many elements.
constexpr int64_t kConvertBlockElems = int64_t{1} << 20;

int64_t RoundUp(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

thread_local Scratch t_b_scratch;      // B packed for the few-column path
thread_local Scratch t_block_scratch;  // rows of A in float32 (conversion path)
constexpr size_t kKeepScratchBytes = size_t{16} << 20;

using HalfProduct = Product<uint16_t, float>;

/** Few columns: B packed for the inner-product kernel, rows split over threads. */
void RunDot(const HalfKernels& hk, const HalfProduct& p) {
  const size_t bt_bytes = static_cast<size_t>(RoundUp(p.k, 32) * p.n) * hk.dot_b_item;
  void* btp = t_b_scratch.Get(bt_bytes);
  hk.pack_dot_b(p.k, p.n, p.b, p.ldb, btp);
  const double flops = 2.0 * p.m * p.n * p.k;
  int threads = flops >= kMinParallelFlops ? GetNumThreads() : 1;
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, p.m / 8)));
  std::unique_lock<std::mutex> lease(SharedPool().lease(), std::defer_lock);
  if (threads > 1 && !lease.try_lock()) threads = 1;
  if (threads == 1) {
    hk.dot(p.m, p.n, p.k, p.a, p.lda, btp, p.c, p.ldc);
    return;
  }
  // Rows in chunks taken from a counter, so a thread the OS runs late leaves its share to others.
  const int64_t chunk = std::max<int64_t>(8, RoundUp(p.m / (threads * 4), 8));
  std::atomic<int64_t> next{0};
  auto job = [&](int) {
    for (int64_t r0 = next.fetch_add(chunk); r0 < p.m; r0 = next.fetch_add(chunk)) {
      const int64_t rows = std::min(chunk, p.m - r0);
      hk.dot(rows, p.n, p.k, p.a + r0 * p.lda, p.lda, btp, p.c + r0 * p.ldc, p.ldc);
    }
  };
  SharedPool().Run(threads, job, /*cancellable=*/true);
}

/** This thread's share of a blocked product: rows [r0, r1) x columns [c0, c1) of C. */
void BlockedShare(const HalfKernels& hk, const HalfProduct& p, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (r1 <= r0 || c1 <= c0) return;
  const int64_t pairs = (hk.kc + 1) / 2;
  const int64_t a_panels = (std::min<int64_t>(hk.mc, r1 - r0) + hk.mr - 1) / hk.mr;
  const int64_t b_panels = (std::min<int64_t>(hk.nc, c1 - c0) + hk.nr - 1) / hk.nr;
  const size_t a_bytes = static_cast<size_t>(a_panels * hk.mr * pairs) * 4;
  const size_t b_bytes = static_cast<size_t>(b_panels * hk.nr * pairs) * 4;
  uint8_t* space = static_cast<uint8_t*>(t_block_scratch.Get(RoundUp(static_cast<int64_t>(a_bytes), 64) + b_bytes));
  auto* pa = reinterpret_cast<uint32_t*>(space);
  auto* pb = reinterpret_cast<uint16_t*>(space + RoundUp(static_cast<int64_t>(a_bytes), 64));
  for (int64_t jc = c0; jc < c1; jc += hk.nc) {
    const int64_t nc = std::min<int64_t>(hk.nc, c1 - jc);
    for (int64_t pc = 0; pc < p.k; pc += hk.kc) {
      const int64_t kc = std::min<int64_t>(hk.kc, p.k - pc);
      hk.pack_b(kc, nc, p.b + pc * p.ldb + jc, p.ldb, pb);
      for (int64_t ic = r0; ic < r1; ic += hk.mc) {
        const int64_t mc = std::min<int64_t>(hk.mc, r1 - ic);
        hk.pack_a(mc, kc, p.a + ic * p.lda + pc, p.lda, pa);
        hk.macro(mc, nc, kc, pa, pb, p.c + ic * p.ldc + jc, p.ldc, pc > 0);
      }
    }
  }
}

/**
 * Wider products on a kernel with its own blocked path: threads split the columns in whole
 * panels when there are enough, else the rows; each packs its own blocks, with no barrier.
 */
void RunBlocked(const HalfKernels& hk, const HalfProduct& p) {
  const double flops = 2.0 * p.m * p.n * p.k;
  int threads = flops >= kMinParallelFlops ? GetNumThreads() : 1;
  std::unique_lock<std::mutex> lease(SharedPool().lease(), std::defer_lock);
  if (threads > 1 && !lease.try_lock()) threads = 1;
  if (threads == 1) {
    BlockedShare(hk, p, 0, p.m, 0, p.n);
    return;
  }
  const int64_t panels = (p.n + hk.nr - 1) / hk.nr;
  const bool by_columns = panels >= 2 * threads;
  auto job = [&](int tid) {
    if (by_columns) {
      const int64_t c0 = std::min(p.n, panels * tid / threads * hk.nr);
      const int64_t c1 = std::min(p.n, panels * (tid + 1) / threads * hk.nr);
      BlockedShare(hk, p, 0, p.m, c0, c1);
    } else {
      const int64_t tiles = (p.m + hk.mr - 1) / hk.mr;
      const int64_t r0 = std::min(p.m, tiles * tid / threads * hk.mr);
      const int64_t r1 = std::min(p.m, tiles * (tid + 1) / threads * hk.mr);
      BlockedShare(hk, p, r0, r1, 0, p.n);
    }
  };
  SharedPool().Run(threads, job);
}

/** Any shape: blocks of A's rows converted to float32, each multiplied by the float32 kernel. */
void RunConverted(DType weights, const HalfProduct& p) {
  const int64_t rows = std::min(p.m, std::max<int64_t>(64, RoundUp(kConvertBlockElems / std::max<int64_t>(p.k, 1), 16)));
  float* block = static_cast<float*>(t_block_scratch.Get(static_cast<size_t>(rows * p.k) * sizeof(float)));
  const BatchItem at{0, 0, 0};
  for (int64_t i = 0; i < p.m; i += rows) {
    const int64_t r = std::min(rows, p.m - i);
    if (p.lda == p.k) {
      ConvertFloats(p.a + i * p.lda, weights, block, DType::kFloat32, static_cast<size_t>(r * p.k));
    } else {
      for (int64_t q = 0; q < r; ++q) {
        ConvertFloats(p.a + (i + q) * p.lda, weights, block + q * p.k, DType::kFloat32, p.k);
      }
    }
    Gemm(r, p.n, p.k, block, p.k, p.b, p.ldb, p.c + i * p.ldc, p.ldc, &at, 1);
  }
}

}  // namespace

const HalfKernels* ActiveHalfKernels(DType weights) {
  if (ActiveIsa() != Isa::kAvx512) return nullptr;
  if (weights == DType::kBfloat16 && CpuHasAvx512Bf16()) {
    if (const HalfKernels* k = HalfKernelsAvx512Bf16(weights)) return k;
  }
  return HalfKernelsAvx512(weights);
}

double HalfPeakGflops(DType weights, double seconds, int threads) {
  const HalfKernels* hk = ActiveHalfKernels(weights);
  if (hk == nullptr) return 0;
  return hk->fma_loop != nullptr ? LoopPeakGflops(hk->fma_loop, seconds, threads) : FmaPeakGflops(seconds, threads);
}

const char* HalfPath(DType weights, int64_t n) {
  const HalfKernels* hk = ActiveHalfKernels(weights);
  if (hk != nullptr && (n <= hk->max_columns || hk->pack_a != nullptr)) return hk->name;
  return "float32 after conversion";
}

void GemmHalf(DType weights, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
              const float* b, int64_t ldb, float* c, int64_t ldc, const BatchItem* items,
              int64_t batch) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  const HalfKernels* hk = ActiveHalfKernels(weights);
  for (int64_t i = 0; i < batch; ++i) {
    const HalfProduct p{m, n, k, a + items[i].a, lda, b + items[i].b, ldb, c + items[i].c, ldc};
    if (k == 0) {
      for (int64_t r = 0; r < m; ++r) std::fill(p.c + r * ldc, p.c + r * ldc + n, 0.0f);
    } else if (hk != nullptr && n <= hk->max_columns) {
      RunDot(*hk, p);
    } else if (hk != nullptr && hk->pack_a != nullptr) {
      RunBlocked(*hk, p);
    } else {
      RunConverted(weights, p);
    }
  }
  t_b_scratch.Trim(kKeepScratchBytes);
  t_block_scratch.Trim(kKeepScratchBytes);
}

}  // namespace nnbench::kernel
