#include "thread_pool.h"

#include <chrono>

namespace nnbench::kernel {

namespace {
// How long an idle worker keeps polling for the next job before it goes to sleep.
constexpr auto kSpinTime = std::chrono::microseconds(300);
}  // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::EnsureWorkers(int count) {
  while (static_cast<int>(workers_.size()) < count) {
    const int id = static_cast<int>(workers_.size());
    workers_.emplace_back(&ThreadPool::WorkerMain, this, id,
                          generation_.load(std::memory_order_acquire));
  }
}

void ThreadPool::Run(int threads, Fn fn, void* ctx) {
  if (threads <= 1) {
    fn(ctx, 0);
    return;
  }
  EnsureWorkers(threads - 1);
  fn_ = fn;
  ctx_ = ctx;
  threads_ = threads;
  remaining_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  fn(ctx, 0);
  SpinUntil([&] { return remaining_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::WorkerMain(int id, uint64_t seen) {
  for (;;) {
    uint64_t now = generation_.load(std::memory_order_acquire);
    if (now == seen) {
      const auto until = std::chrono::steady_clock::now() + kSpinTime;
      for (int i = 0; now == seen; ++i) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if ((i & 255) == 255 && std::chrono::steady_clock::now() > until) break;
        now = generation_.load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        now = generation_.load(std::memory_order_acquire);
      }
    }
    seen = now;
    if (stop_.load(std::memory_order_relaxed)) return;
    if (id + 1 < threads_) fn_(ctx_, id + 1);
    remaining_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace nnbench::kernel
