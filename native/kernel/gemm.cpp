// The GEMM driver: over the kernel table of the active ISA (dispatch.cpp), chooses a path per
// product (zero fill, matrix-vector, vector-matrix, few columns or blocked GEMM), sizes a per-call
// workspace and splits the work over the thread pool. Compiled without ISA flags; only the tables
// run ISA instructions.
#include "gemm.h"

#include <atomic>
#include <memory>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../core/fault.h"
#include "kernel_set.h"
#include "scratch.h"
#include "thread_pool.h"

namespace nnbench::kernel {

namespace {

// Products below this many flops run on the calling thread: waking workers costs more.
constexpr double kMinParallelFlops = 6e6;
// Products with few columns (the inner-product path) split from this many flops.
constexpr double kMinParallelFewColumnFlops = 2e6;
// Matrix-vector products are bound by memory traffic; split them above this many bytes of matrix.
constexpr double kMinParallelBytes = 1 << 18;
// Products whose B has at most this many column panels read A in place instead of packing it,
// in depth blocks this many times the packed depth (longer runs along A's rows for the hardware
// prefetcher; B's panels still fit L2).
constexpr int64_t kDirectPanels = 8;
constexpr int64_t kDirectDepth = 2;
// Batched products below this many flops each are spread over threads one product per task.
constexpr double kBatchTaskFlops = 1 << 24;

std::atomic<int> g_threads{0};  // 0: not set yet, use the hardware's count

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t RoundUp(int64_t a, int64_t b) { return CeilDiv(a, b) * b; }
int64_t Min(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t Max(int64_t a, int64_t b) { return a > b ? a : b; }

thread_local Scratch t_scratch;
constexpr size_t kKeepScratchBytes = size_t{64} << 20;

constexpr int64_t kAlignElems = 16;  // keeps every workspace region 64-byte aligned

enum class Path { kZero, kGemvN, kGemvT, kFewColumns, kGemm };

template <typename T>
Path ChoosePath(const KernelSet<T>& ks, const Product<T>& p) {
  if (p.k == 0) return Path::kZero;
  if (p.n == 1) return Path::kGemvN;
  if (p.m == 1) return Path::kGemvT;
  if (p.n <= ks.few_columns) return Path::kFewColumns;
  return Path::kGemm;
}

/** Elements of B packed for the few-columns path (its depth chunks all divide kAlignElems). */
template <typename T>
int64_t FewColumnsPackedElems(const Product<T>& p) {
  return p.n * RoundUp(p.k, kAlignElems);
}

/** Whether the blocked path reads A in place for a B of n columns (see kDirectPanels). */
template <typename T>
bool ReadsAInPlace(const KernelSet<T>& ks, int64_t n) {
  return CeilDiv(n, ks.nr) <= kDirectPanels;
}

/** The table whose register tile suits products with n columns. */
template <typename T>
const KernelSet<T>& TileFor(const KernelSet<T>& ks, int64_t n) {
  if (n <= ks.few_columns) return ks;  // the inner-product path uses no tile
  if (ks.narrow != nullptr && n <= ks.narrow->nr) return *ks.narrow;
  if (ks.in_place != nullptr && ReadsAInPlace(ks, n)) return *ks.in_place;
  return ks;
}

/**
 * Elements of one packed-B buffer: room for every panel of a column block, at full depth, also
 * when each thread keeps its share of panels in a region of its own.
 */
template <typename T>
int64_t BufferB(const KernelSet<T>& ks, const Product<T>& p, int64_t depth, int threads) {
  const int64_t panels = CeilDiv(Min(ks.nc, p.n), ks.nr);
  const int64_t per_thread = CeilDiv(panels, threads);
  return RoundUp(Min(depth, p.k) * ks.nr * per_thread * threads, kAlignElems);
}

/** Depth of one packed B block. */
template <typename T>
int64_t DepthBlock(const KernelSet<T>& ks, const Product<T>& p) {
  return ReadsAInPlace(ks, p.n) ? ks.kc * kDirectDepth : ks.kc;
}

/** Workspace regions for one product computed by `threads` cooperating threads. */
template <typename T>
struct Workspace {
  T* b_pack[2] = {nullptr, nullptr};
  T* a_pack = nullptr;
  int64_t a_stride = 0;  // elements between two threads' A regions
  T* x = nullptr;        // contiguous copy of a strided B column (matrix-vector path)
  T* y = nullptr;        // contiguous result before it is scattered into a strided C column
  T* bt = nullptr;       // B packed for the few-columns path
};

template <typename T>
int64_t WorkspaceElems(const KernelSet<T>& ks, const Product<T>& p, Path path, int threads) {
  if (path == Path::kGemm) {
    const int64_t b = BufferB(ks, p, DepthBlock(ks, p), threads);
    const int64_t a = RoundUp(ks.a_ld * Min(ks.mc, RoundUp(p.m, ks.mr)), kAlignElems);
    return (threads > 1 ? 2 : 1) * b + threads * a;
  }
  if (path == Path::kGemvN) {
    return (p.ldb != 1 ? RoundUp(p.k, kAlignElems) : 0) + (p.ldc != 1 ? p.m : 0);
  }
  if (path == Path::kFewColumns) return FewColumnsPackedElems(p);
  return 0;
}

template <typename T>
Workspace<T> LayOut(const KernelSet<T>& ks, const Product<T>& p, Path path, int threads, T* base) {
  Workspace<T> ws;
  if (path == Path::kGemm) {
    const int64_t b = BufferB(ks, p, DepthBlock(ks, p), threads);
    ws.b_pack[0] = base;
    ws.b_pack[1] = threads > 1 ? base + b : base;
    ws.a_pack = base + (threads > 1 ? 2 : 1) * b;
    ws.a_stride = RoundUp(ks.a_ld * Min(ks.mc, RoundUp(p.m, ks.mr)), kAlignElems);
  } else if (path == Path::kGemvN) {
    T* next = base;
    if (p.ldb != 1) {
      ws.x = next;
      next += RoundUp(p.k, kAlignElems);
    }
    if (p.ldc != 1) ws.y = next;
  } else if (path == Path::kFewColumns) {
    ws.bt = base;
  }
  return ws;
}

/** Work done on the calling thread before the threads start (gathers or packs B). */
template <typename T>
void Prepare(const KernelSet<T>& ks, const Product<T>& p, Path path, const Workspace<T>& ws) {
  if (path == Path::kGemvN && ws.x != nullptr) {
    for (int64_t i = 0; i < p.k; ++i) ws.x[i] = p.b[i * p.ldb];
  }
  if (path == Path::kFewColumns) {
    ks.pack_few_columns_b(p.k, p.n, p.b, p.ldb, ws.bt);
  }
}

/** Work done on the calling thread after the threads end (scatters a strided C column). */
template <typename T>
void Finish(const Product<T>& p, Path path, const Workspace<T>& ws) {
  if (path == Path::kGemvN && ws.y != nullptr) {
    for (int64_t i = 0; i < p.m; ++i) p.c[i * p.ldc] = ws.y[i];
  }
}

/**
 * Splits `threads` into a grid over rows x columns of C. Columns first, when each thread gets a
 * column panel: then every thread packs exactly the B panels it uses and runs with no barrier at
 * all (measured faster than splitting rows on two cores with private L2 caches, up to 20% at
 * some sizes, and a share whose thread starts late can be taken over). Otherwise the grid that
 * wastes the least padded work.
 */
bool SplitsColumns(int64_t n, int64_t nr, int threads) {
  return CeilDiv(n, nr) >= static_cast<int64_t>(threads);
}

void ThreadGrid(int64_t m, int64_t n, int64_t mr, int64_t nr, int threads, int* tm, int* tn) {
  if (SplitsColumns(n, nr, threads)) {
    *tm = 1;
    *tn = threads;
    return;
  }
  int64_t best = -1;
  for (int rows = threads; rows >= 1; --rows) {
    if (threads % rows != 0) continue;
    const int cols = threads / rows;
    const int64_t work = CeilDiv(CeilDiv(m, mr), rows) * mr * CeilDiv(CeilDiv(n, nr), cols) * nr;
    if (best < 0 || work < best) {
      best = work;
      *tm = rows;
      *tn = cols;
    }
  }
}

/** What the threads working on one product share besides the workspace. */
struct Sync {
  explicit Sync(int threads) : barrier(threads), claimed(new std::atomic<bool>[threads]) {
    for (int i = 0; i < threads; ++i) claimed[i].store(false, std::memory_order_relaxed);
  }
  SpinBarrier barrier;
  // Row blocks handed out one at a time when threads split the rows; two counters alternate
  // between depth blocks like the B buffers do.
  std::atomic<int64_t> tickets[2] = {{0}, {0}};
  // Column shares taken so far when threads split the columns.
  std::unique_ptr<std::atomic<bool>[]> claimed;
};

/** Thread `tid` of `threads` zeroes its rows of C (products with k == 0). */
template <typename T>
void ZeroPart(const Product<T>& p, int tid, int threads) {
  const int64_t r0 = p.m * tid / threads;
  const int64_t r1 = p.m * (tid + 1) / threads;
  for (int64_t i = r0; i < r1; ++i) {
    for (int64_t j = 0; j < p.n; ++j) p.c[i * p.ldc + j] = T(0);
  }
}

/** Thread `tid` of `threads` computes its rows of a matrix-vector product, in groups of 4 rows. */
template <typename T>
void GemvNPart(const KernelSet<T>& ks, const Product<T>& p, const Workspace<T>& ws, int tid,
               int threads) {
  const int64_t groups = CeilDiv(p.m, 4);
  const int64_t r0 = Min(p.m, groups * tid / threads * 4);
  const int64_t r1 = Min(p.m, groups * (tid + 1) / threads * 4);
  if (r1 <= r0) return;
  const T* x = ws.x != nullptr ? ws.x : p.b;
  T* y = ws.y != nullptr ? ws.y : p.c;
  ks.gemv_n(r1 - r0, p.k, p.a + r0 * p.lda, p.lda, x, y + r0);
}

/** Thread `tid` of `threads` computes its rows of a product with few columns (inner products). */
template <typename T>
void FewColumnsPart(const KernelSet<T>& ks, const Product<T>& p, const Workspace<T>& ws, int tid,
                    int threads) {
  const int64_t r0 = p.m * tid / threads;
  const int64_t r1 = p.m * (tid + 1) / threads;
  if (r1 <= r0) return;
  ks.gemm_few_columns(r1 - r0, p.n, p.k, p.a + r0 * p.lda, p.lda, ws.bt, p.c + r0 * p.ldc, p.ldc);
}

/** Thread `tid` of `threads` computes its columns of a vector-matrix product, 16 at a time. */
template <typename T>
void GemvTPart(const KernelSet<T>& ks, const Product<T>& p, int tid, int threads) {
  const int64_t chunks = CeilDiv(p.n, 16);
  const int64_t c0 = Min(p.n, chunks * tid / threads * 16);
  const int64_t c1 = Min(p.n, chunks * (tid + 1) / threads * 16);
  // Column slices small enough that the running sums stay in L1 while B streams by.
  constexpr int64_t kSlice = 2048;
  for (int64_t c = c0; c < c1; c += kSlice) {
    ks.gemv_t(p.k, Min(kSlice, c1 - c), p.a, p.b + c, p.ldb, p.c + c);
  }
}

/** How one thread takes part in a blocked product. */
struct BlockedPlan {
  int tid;
  int threads;
  int tn;  // columns of the thread grid
  int tj;  // this thread's column in the grid
  // Rows go in blocks of whole register tiles, at most mc rows each, balanced to within a tile:
  // row tiles [t0, t1) in `blocks` blocks. When threads split the rows (`dynamic`), they take
  // blocks from a shared counter rather than fixed halves, so a thread the OS delays (on a busy
  // machine) leaves its share to the others; there are then at least two blocks per thread, and
  // a multiple of the thread count.
  bool dynamic;
  int64_t t0;
  int64_t t1;
  int64_t blocks;
  // With few column panels a packed A block would be used only a few times: packing it costs
  // more than reading A in place, which also streams it only once.
  bool direct;
  int64_t depth;  // depth of one packed B block
  // Threads that split only the columns pack and read just their own panels, in a region of the
  // B buffer that is theirs for the whole product: no barrier is needed, and no thread can
  // overwrite panels another is still reading, whatever the depth of each block.
  bool own_panels;
};

template <typename T>
BlockedPlan PlanBlocked(const KernelSet<T>& ks, const Product<T>& p, int tid, int threads) {
  BlockedPlan plan;
  plan.tid = tid;
  plan.threads = threads;
  int tm = 1;
  plan.tn = 1;
  ThreadGrid(p.m, p.n, ks.mr, ks.nr, threads, &tm, &plan.tn);
  const int ti = tid / plan.tn;
  plan.tj = tid % plan.tn;
  plan.dynamic = threads > 1 && plan.tn == 1;
  const int64_t tiles_m = CeilDiv(p.m, ks.mr);
  const int64_t tiles_per_block = Max(1, ks.mc / ks.mr);
  plan.t0 = plan.dynamic ? 0 : tiles_m * ti / tm;
  plan.t1 = plan.dynamic ? tiles_m : tiles_m * (ti + 1) / tm;
  plan.blocks = CeilDiv(plan.t1 - plan.t0, tiles_per_block);
  if (plan.dynamic) {
    plan.blocks = RoundUp(Max(plan.blocks, 2 * static_cast<int64_t>(threads)), threads);
  }
  plan.direct = ReadsAInPlace(ks, p.n);
  plan.depth = DepthBlock(ks, p);
  plan.own_panels = tm == 1;
  return plan;
}

/** One depth block of one column block, as one share computes it. */
template <typename T>
struct Step {
  int64_t jc;  // first column of the column block
  int64_t c0;  // this share's columns within the block: [c0, c1)
  int64_t c1;
  int64_t pc;  // first row of B (column of A) of the depth block
  int64_t kc;  // its depth
  const T* b_panels;  // packed B panels of columns c0..c1
};

/** Computes row block `b` of one step: C[rows of b, c0..c1] (+)= A[rows of b, pc..] * panels. */
template <typename T>
void ComputeRowBlock(const KernelSet<T>& ks, const Product<T>& p, const BlockedPlan& plan,
                     const Step<T>& step, T* a_pack, int64_t b) {
  const int64_t span = plan.t1 - plan.t0;
  const int64_t ic = Min(p.m, (plan.t0 + span * b / plan.blocks) * ks.mr);
  const int64_t mc = Min(p.m, (plan.t0 + span * (b + 1) / plan.blocks) * ks.mr) - ic;
  if (mc <= 0) return;
  T* c_block = p.c + ic * p.ldc + step.jc + step.c0;
  const T* a_block = p.a + ic * p.lda + step.pc;
  const bool accumulate = step.pc > 0;
  if (plan.direct) {
    ks.macro_direct(mc, step.c1 - step.c0, step.kc, a_block, p.lda, step.b_panels, c_block, p.ldc,
                    accumulate);
  } else {
    ks.pack_a(mc, step.kc, a_block, p.lda, a_pack);
    ks.macro(mc, step.c1 - step.c0, step.kc, a_pack, step.b_panels, c_block, p.ldc, accumulate);
  }
}

/** Computes the row blocks of one step: this thread's fixed ones, or those it takes a ticket for. */
template <typename T>
void ComputeRowBlocks(const KernelSet<T>& ks, const Product<T>& p, const BlockedPlan& plan,
                      const Step<T>& step, T* a_pack, std::atomic<int64_t>& tickets) {
  if (plan.dynamic) {
    for (int64_t b = tickets.fetch_add(1, std::memory_order_relaxed); b < plan.blocks;
         b = tickets.fetch_add(1, std::memory_order_relaxed)) {
      ComputeRowBlock(ks, p, plan, step, a_pack, b);
    }
  } else {
    for (int64_t b = 0; b < plan.blocks; ++b) ComputeRowBlock(ks, p, plan, step, a_pack, b);
  }
}

/**
 * One share of a blocked product: with own_panels, the columns of share `share` (a thread's,
 * unless another thread took it over); otherwise this thread's part of the rows. Walks the column
 * blocks and their depth blocks, packing the share's panels of B and computing with them.
 */
template <typename T>
void RunShare(const KernelSet<T>& ks, const Product<T>& p, const Workspace<T>& ws,
              const BlockedPlan& plan, int share, Sync* sync) {
  const int64_t nr = ks.nr;
  const int col_share = plan.own_panels ? share : plan.tj;
  const int64_t own_offset =
      plan.own_panels
          ? share * CeilDiv(CeilDiv(Min(ks.nc, p.n), nr), plan.threads) * nr * Min(plan.depth, p.k)
          : 0;
  T* a_pack = ws.a_pack + plan.tid * ws.a_stride;
  int iteration = 0;
  for (int64_t jc = 0; jc < p.n; jc += ks.nc) {
    const int64_t nc = Min(ks.nc, p.n - jc);
    const int64_t panels = CeilDiv(nc, nr);
    const int64_t s0 = panels * share / plan.threads;  // the panels this share packs: [s0, s1)
    const int64_t s1 = panels * (share + 1) / plan.threads;
    Step<T> step;
    step.jc = jc;
    step.c0 = Min(nc, panels * col_share / plan.tn * nr);
    step.c1 = Min(nc, panels * (col_share + 1) / plan.tn * nr);
    for (int64_t pc = 0; pc < p.k; pc += plan.depth) {
      step.pc = pc;
      step.kc = Min(plan.depth, p.k - pc);
      // Two B buffers alternate: packing the next block may overlap with others still reading
      // the previous one, and the barrier after each packing keeps a buffer from being
      // overwritten while it is read. The ticket counters alternate the same way. With
      // own_panels, b_pack points at the share's own region, holding panels s0.. (which are the
      // columns c0..c1 it computes).
      T* b_pack = ws.b_pack[iteration & 1] + own_offset;
      T* b_mine = plan.own_panels ? b_pack : b_pack + s0 * nr * step.kc;
      std::atomic<int64_t>& tickets = sync->tickets[iteration & 1];
      ++iteration;
      if (s1 > s0) {
        ks.pack_b(step.kc, Min(nc, s1 * nr) - s0 * nr, p.b + pc * p.ldb + jc + s0 * nr, p.ldb,
                  b_mine);
      }
      if (!plan.own_panels) {
        sync->barrier.Wait();
        // Every thread has finished taking tickets of the previous depth block: reset its
        // counter for the next one (nobody takes from it before the next barrier).
        if (plan.tid == 0) sync->tickets[iteration & 1].store(0, std::memory_order_relaxed);
      }
      if (step.c1 <= step.c0) continue;
      step.b_panels = plan.own_panels ? b_mine : b_pack + step.c0 * step.kc;
      ComputeRowBlocks(ks, p, plan, step, a_pack, tickets);
    }
  }
}

/** Thread `tid` of `threads` does its share of a blocked product. */
template <typename T>
void BlockedPart(const KernelSet<T>& ks, const Product<T>& p, const Workspace<T>& ws, int tid,
                 int threads, Sync* sync) {
  const BlockedPlan plan = PlanBlocked(ks, p, tid, threads);
  if (!plan.own_panels || threads == 1) {
    RunShare(ks, p, ws, plan, tid, sync);
    return;
  }
  // Column shares are independent: a thread that finishes its own takes over any share whose
  // thread has not started yet (on a busy machine the OS may run it late).
  for (int k = 0; k < threads; ++k) {
    const int share = (tid + k) % threads;
    if (!sync->claimed[share].exchange(true, std::memory_order_acq_rel)) {
      RunShare(ks, p, ws, plan, share, sync);
    }
  }
}

/** Thread `tid` of `threads` does its share of one product. */
template <typename T>
void RunPart(const KernelSet<T>& ks, const Product<T>& p, Path path, const Workspace<T>& ws,
             int tid, int threads, Sync* sync) {
  switch (path) {
    case Path::kZero:
      return ZeroPart(p, tid, threads);
    case Path::kGemvN:
      return GemvNPart(ks, p, ws, tid, threads);
    case Path::kFewColumns:
      return FewColumnsPart(ks, p, ws, tid, threads);
    case Path::kGemvT:
      return GemvTPart(ks, p, tid, threads);
    case Path::kGemm:
      return BlockedPart(ks, p, ws, tid, threads, sync);
  }
}

template <typename T>
double Flops(const Product<T>& p) {
  return 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k);
}

template <typename T>
int ThreadsFor(const Product<T>& p, Path path, int available) {
  if (available <= 1) return 1;
  switch (path) {
    case Path::kZero:
      return static_cast<double>(p.m) * p.n * sizeof(T) >= (1 << 22) ? available : 1;
    case Path::kFewColumns:
      return Flops(p) >= kMinParallelFewColumnFlops ? available : 1;
    case Path::kGemvN:
    case Path::kGemvT:
      return static_cast<double>(p.m) * p.n * p.k * sizeof(T) >= kMinParallelBytes ? available
                                                                                    : 1;
    case Path::kGemm:
      return Flops(p) >= kMinParallelFlops ? available : 1;
  }
  return 1;
}

template <typename T>
void RunAlone(const KernelSet<T>& ks, const Product<T>& p, T* base) {
  const Path path = ChoosePath(ks, p);
  const Workspace<T> ws = LayOut(ks, p, path, 1, base);
  Sync sync(1);
  Prepare(ks, p, path, ws);
  RunPart(ks, p, path, ws, 0, 1, &sync);
  Finish(p, path, ws);
}

/** The products of one Gemm call: one shape, each item at its own offsets. */
template <typename T>
struct Batch {
  Product<T> shape;  // the shape and strides every item shares, at offset 0
  const BatchItem* items;
  int64_t size;

  Product<T> Item(int64_t i) const {
    const BatchItem& it = items[i];
    Product<T> p = shape;
    p.a += it.a;
    p.b += it.b;
    p.c += it.c;
    return p;
  }
};

/** Every product on the calling thread, one after another. */
template <typename T>
void RunBatchAlone(const KernelSet<T>& ks, const Batch<T>& batch, Path path) {
  const size_t elems = WorkspaceElems(ks, batch.Item(0), path, 1);
  T* base = static_cast<T*>(t_scratch.Get(sizeof(T) * elems));
  for (int64_t i = 0; i < batch.size; ++i) RunAlone(ks, batch.Item(i), base);
}

/** Whole products per task; each thread owns one workspace region. */
template <typename T>
void RunBatchSpread(const KernelSet<T>& ks, const Batch<T>& batch, Path path, int threads) {
  const int64_t per = RoundUp(WorkspaceElems(ks, batch.Item(0), path, 1), kAlignElems);
  T* base = static_cast<T*>(t_scratch.Get(sizeof(T) * per * threads));
  std::atomic<int64_t> next{0};
  auto job = [&](int tid) {
    for (int64_t i = next.fetch_add(1); i < batch.size; i = next.fetch_add(1)) {
      RunAlone(ks, batch.Item(i), base + tid * per);
    }
  };
  SharedPool().Run(threads, job, /*cancellable=*/true);  // the caller can take every product
}

/** One product after another, every thread working on each. */
template <typename T>
void RunBatchTogether(const KernelSet<T>& ks, const Batch<T>& batch, Path path, int threads) {
  const size_t elems = WorkspaceElems(ks, batch.Item(0), path, threads);
  T* base = static_cast<T*>(t_scratch.Get(sizeof(T) * elems));
  for (int64_t i = 0; i < batch.size; ++i) {
    const Product<T> p = batch.Item(i);
    const Workspace<T> ws = LayOut(ks, p, path, threads, base);
    Sync sync(threads);
    Prepare(ks, p, path, ws);
    auto job = [&](int tid) { RunPart(ks, p, path, ws, tid, threads, &sync); };
    // Column shares can all be taken over by the caller: it need not wait for a worker that the
    // OS has not run yet.
    SharedPool().Run(threads, job, path == Path::kGemm && SplitsColumns(p.n, ks.nr, threads));
    Finish(p, path, ws);
  }
}

template <typename T>
void GemmBatch(const Batch<T>& batch) {
  if (batch.shape.m <= 0 || batch.shape.n <= 0 || batch.size <= 0) return;
  const KernelSet<T>& ks = TileFor(ActiveKernels<T>(), batch.shape.n);
  const Product<T> first = batch.Item(0);
  const Path path = ChoosePath(ks, first);
  const int available = GetNumThreads();
  int threads = ThreadsFor(first, path, available);
  // Many small products: whole products per task. Large ones: all threads on each product.
  const bool spread = batch.size > 1 && available > 1 && Flops(first) < kBatchTaskFlops &&
                      Flops(first) * static_cast<double>(batch.size) >= kMinParallelFlops;
  if (spread) threads = static_cast<int>(Min(available, batch.size));

  std::unique_lock<std::mutex> lease(SharedPool().lease(), std::defer_lock);
  if (threads > 1 && !lease.try_lock()) threads = 1;  // pool busy: compute on this thread

  if (threads == 1) {
    RunBatchAlone(ks, batch, path);
  } else if (spread) {
    RunBatchSpread(ks, batch, path, threads);
  } else {
    RunBatchTogether(ks, batch, path, threads);
  }
  t_scratch.Trim(kKeepScratchBytes);
}

}  // namespace

namespace {
template <typename T>
TileInfo InfoOf(const KernelSet<T>& ks) {
  return TileInfo{ks.mr, ks.nr, ks.kc, ks.mc, ks.nc, ks.few_columns};
}
}  // namespace

TileInfo SgemmTile() { return InfoOf(ActiveKernels<float>()); }
TileInfo DgemmTile() { return InfoOf(ActiveKernels<double>()); }

void SetNumThreads(int threads) {
  g_threads.store(threads < 1 ? 1 : threads, std::memory_order_release);
}

int GetNumThreads() {
  const int threads = g_threads.load(std::memory_order_acquire);
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void Gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float* c, int64_t ldc, const BatchItem* items, int64_t batch) {
  GemmBatch(Batch<float>{{m, n, k, a, lda, b, ldb, c, ldc}, items, batch});
}

void Gemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b,
          int64_t ldb, double* c, int64_t ldc, const BatchItem* items, int64_t batch) {
  GemmBatch(Batch<double>{{m, n, k, a, lda, b, ldb, c, ldc}, items, batch});
}

}  // namespace nnbench::kernel
