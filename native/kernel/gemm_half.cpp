// The driver of products with 16-bit weights (gemm_half.h). Compiled without ISA flags; only the
// kernel tables run ISA instructions.
#include "gemm_half.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "convert.h"
#include "kernel_set.h"
#include "scratch.h"
#include "thread_pool.h"

namespace nnbench::kernel {

namespace {

// Products below this many flops run on the calling thread.
constexpr double kMinParallelFlops = 2e6;

int64_t RoundUp(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

thread_local Scratch t_b_scratch;      // B packed for the few-column path
thread_local Scratch t_block_scratch;  // packed blocks of A and B (blocked path)
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

/** Asks for the cache lines of `bytes` bytes from `p` ahead of their use. */
void PrefetchRun(const void* p, int64_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (int64_t at = 0; at < bytes; at += 64) __builtin_prefetch(c + at, 0, 3);
}

/** The register tile and cache blocking of a blocked path. */
struct Blocking {
  int64_t mr, nr, kc, mc, nc;
};

/** The blocked path of an ISA's own 16-bit kernel: A and B packed as pairs along the depth. */
struct PairsScheme {
  const HalfKernels& hk;

  Blocking Tile() const { return {hk.mr, hk.nr, hk.kc, hk.mc, hk.nc}; }
  size_t ABytes(int64_t rows, int64_t kc) const { return static_cast<size_t>(RoundUp(rows, hk.mr) * ((kc + 1) / 2)) * 4; }
  size_t BBytes(int64_t kc, int64_t cols) const { return static_cast<size_t>(RoundUp(cols, hk.nr) * ((kc + 1) / 2)) * 4; }
  void PackA(int64_t rows, int64_t kc, const uint16_t* a, int64_t lda, void* dst) const {
    hk.pack_a(rows, kc, a, lda, static_cast<uint32_t*>(dst));
  }
  void PackB(int64_t kc, int64_t cols, const float* b, int64_t ldb, void* dst) const {
    hk.pack_b(kc, cols, b, ldb, static_cast<uint16_t*>(dst));
  }
  void Macro(int64_t rows, int64_t cols, int64_t kc, const void* pa, const void* pb, float* c,
             int64_t ldc, bool accumulate) const {
    hk.macro(rows, cols, kc, static_cast<const uint32_t*>(pa), static_cast<const uint16_t*>(pb), c, ldc, accumulate);
  }
};

/**
 * The float32 kernel's blocked path, with A's 16-bit rows converted to float32 as they are packed
 * (the float32 kernel packs A as rows a_ld elements apart, so packing is a row conversion).
 */
struct WidenScheme {
  WidenFn widen;
  const KernelSet<float>& ks;

  Blocking Tile() const { return {ks.mr, ks.nr, ks.kc, ks.mc, ks.nc}; }
  size_t ABytes(int64_t rows, int64_t) const { return static_cast<size_t>(RoundUp(rows, ks.mr) * ks.a_ld) * 4; }
  size_t BBytes(int64_t kc, int64_t cols) const { return static_cast<size_t>(RoundUp(cols, ks.nr) * kc) * 4; }
  void PackA(int64_t rows, int64_t kc, const uint16_t* a, int64_t lda, void* dst) const {
    // A block's rows are short runs a row stride apart, which the hardware prefetcher meets cold
    // on every row: each row's run is requested a few rows ahead.
    constexpr int64_t kAhead = 16;
    for (int64_t i = 0; i < std::min(kAhead, rows); ++i) PrefetchRun(a + i * lda, kc * 2);
    auto* out = static_cast<float*>(dst);
    for (int64_t i = 0; i < RoundUp(rows, ks.mr); ++i, out += ks.a_ld) {
      if (i + kAhead < rows) PrefetchRun(a + (i + kAhead) * lda, kc * 2);
      if (i < rows) {
        widen(a + i * lda, out, static_cast<size_t>(kc));
      } else {
        std::fill(out, out + kc, 0.0f);  // rows past the edge: their sums are never stored
      }
    }
  }
  void PackB(int64_t kc, int64_t cols, const float* b, int64_t ldb, void* dst) const {
    ks.pack_b(kc, cols, b, ldb, static_cast<float*>(dst));
  }
  void Macro(int64_t rows, int64_t cols, int64_t kc, const void* pa, const void* pb, float* c,
             int64_t ldc, bool accumulate) const {
    ks.macro(rows, cols, kc, static_cast<const float*>(pa), static_cast<const float*>(pb), c, ldc, accumulate);
  }
};

/** This thread's share of a blocked product: rows [r0, r1) x columns [c0, c1) of C. */
template <typename Scheme>
void BlockedShare(const Scheme& s, const HalfProduct& p, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (r1 <= r0 || c1 <= c0) return;
  const Blocking t = s.Tile();
  const size_t a_bytes = RoundUp(static_cast<int64_t>(s.ABytes(std::min(t.mc, r1 - r0), t.kc)), 64);
  const size_t b_bytes = s.BBytes(t.kc, std::min(t.nc, c1 - c0));
  uint8_t* pa = static_cast<uint8_t*>(t_block_scratch.Get(a_bytes + b_bytes));
  uint8_t* pb = pa + a_bytes;
  for (int64_t jc = c0; jc < c1; jc += t.nc) {
    const int64_t nc = std::min(t.nc, c1 - jc);
    for (int64_t pc = 0; pc < p.k; pc += t.kc) {
      const int64_t kc = std::min(t.kc, p.k - pc);
      s.PackB(kc, nc, p.b + pc * p.ldb + jc, p.ldb, pb);
      for (int64_t ic = r0; ic < r1; ic += t.mc) {
        const int64_t mc = std::min(t.mc, r1 - ic);
        s.PackA(mc, kc, p.a + ic * p.lda + pc, p.lda, pa);
        s.Macro(mc, nc, kc, pa, pb, p.c + ic * p.ldc + jc, p.ldc, pc > 0);
      }
    }
  }
}

/**
 * Wider products: threads split the columns in whole panels when there are enough, else the
 * rows; each packs its own blocks, with no barrier.
 */
template <typename Scheme>
void RunBlocked(const Scheme& s, const HalfProduct& p) {
  const double flops = 2.0 * p.m * p.n * p.k;
  int threads = flops >= kMinParallelFlops ? GetNumThreads() : 1;
  std::unique_lock<std::mutex> lease(SharedPool().lease(), std::defer_lock);
  if (threads > 1 && !lease.try_lock()) threads = 1;
  if (threads == 1) {
    BlockedShare(s, p, 0, p.m, 0, p.n);
    return;
  }
  const Blocking t = s.Tile();
  const int64_t panels = (p.n + t.nr - 1) / t.nr;
  const bool by_columns = panels >= 2 * threads;
  auto job = [&](int tid) {
    if (by_columns) {
      const int64_t c0 = std::min(p.n, panels * tid / threads * t.nr);
      const int64_t c1 = std::min(p.n, panels * (tid + 1) / threads * t.nr);
      BlockedShare(s, p, 0, p.m, c0, c1);
    } else {
      const int64_t tiles = (p.m + t.mr - 1) / t.mr;
      const int64_t r0 = std::min(p.m, tiles * tid / threads * t.mr);
      const int64_t r1 = std::min(p.m, tiles * (tid + 1) / threads * t.mr);
      BlockedShare(s, p, r0, r1, 0, p.n);
    }
  };
  SharedPool().Run(threads, job);
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
  return "float32 kernel, converted while packed";
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
      RunBlocked(PairsScheme{*hk}, p);
    } else {
      RunBlocked(WidenScheme{ActiveWiden(weights), ActiveKernels<float>()}, p);
    }
  }
  t_b_scratch.Trim(kKeepScratchBytes);
  t_block_scratch.Trim(kKeepScratchBytes);
}

}  // namespace nnbench::kernel
