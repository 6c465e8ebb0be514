// A persistent pool of worker threads for the GEMM driver. Workers spin briefly after a job (so
// back-to-back products start fast) and then sleep on a condition variable (so an idle process
// costs no CPU). One job runs at a time: callers hold lease() while they use the pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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
   * (created on first need). Returns when every call has returned and every worker has seen the
   * job, so no worker can mistake it for the next one. The caller must hold lease().
   */
  void Run(int threads, Fn fn, void* ctx);

  template <typename F>
  void Run(int threads, F& f) {
    Run(threads, [](void* c, int tid) { (*static_cast<F*>(c))(tid); }, &f);
  }

 private:
  void EnsureWorkers(int count);
  void WorkerMain(int id, uint64_t seen);

  std::mutex lease_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  int threads_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

}  // namespace nnbench::kernel
