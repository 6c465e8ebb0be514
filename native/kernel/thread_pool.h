// A persistent pool of worker threads for the GEMM driver. Workers spin briefly after a job (so
// back-to-back products start fast) and then sleep on a condition variable (so an idle process
// costs no CPU). One job runs at a time: callers hold lease() while they use the pool. Each
// worker takes its part of a job through a slot of its own, so a worker that wakes up late can
// never run a job twice or a job that is over.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nnbench::kernel {

/** Spins with a pause hint, then yields, until `done()` holds. */
template <typename Pred>
inline void SpinUntil(Pred done) {
  for (int i = 0; i < 4096; ++i) {
    if (done()) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  while (!done()) std::this_thread::yield();
}

/** A reusable barrier for the threads of one pool job. */
class SpinBarrier {
 public:
  explicit SpinBarrier(int threads) : threads_(threads) {}
  void Wait() {
    if (threads_ <= 1) return;
    const int phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    SpinUntil([&] { return phase_.load(std::memory_order_acquire) != phase; });
  }

 private:
  const int threads_;
  std::atomic<int> arrived_{0};
  std::atomic<int> phase_{0};
};

class ThreadPool {
 public:
  using Fn = void (*)(void* ctx, int tid);

  ThreadPool() = default;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  /** Held by whoever runs jobs; try_lock it to fall back to one thread when the pool is busy. */
  std::mutex& lease() { return lease_; }

  /**
   * Runs fn(ctx, tid) for tid in [0, threads): tid 0 on the calling thread, the others on workers
   * (created on first need). Returns when every call that started has returned. With
   * `cancellable`, calls that have not started by the time tid 0 returns are skipped: use it
   * only when tid 0 alone is able to finish the job (the workers' shares can be taken over).
   * The caller must hold lease(). Throws std::system_error, having run nothing, when a worker
   * thread it needs cannot be started.
   */
  void Run(int threads, Fn fn, void* ctx, bool cancellable = false);

  template <typename F>
  void Run(int threads, F& f, bool cancellable = false) {
    Run(threads, [](void* c, int tid) { (*static_cast<F*>(c))(tid); }, &f, cancellable);
  }

 private:
  // A worker's part in the current job: set kPending by Run, taken (kRunning) by the worker or
  // cancelled by Run, back to kIdle when the worker's call returns.
  enum : int { kIdle = 0, kPending = 1, kRunning = 2, kCancelled = 3 };
  struct alignas(64) Slot {
    std::atomic<int> state{kIdle};
  };

  void EnsureWorkers(int count);
  void WorkerMain(Slot* slot, int tid, uint64_t seen);

  std::mutex lease_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  Fn fn_ = nullptr;     // written before a slot turns kPending, read after taking it
  void* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> workers_;
};

/**
 * The process's one pool, shared by every product and by the FMA peak probe. Created on first use
 * and never destroyed: a product may still run on a libuv thread while the process exits.
 */
ThreadPool& SharedPool();

}  // namespace nnbench::kernel
