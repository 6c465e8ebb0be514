#include "thread_pool.h"

#include <chrono>

#include "../core/fault.h"

namespace nnbench::kernel {

namespace {
// How long an idle worker keeps polling for the next job before it goes to sleep.
constexpr auto kSpinTime = std::chrono::microseconds(300);
}  // namespace

ThreadPool& SharedPool() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

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
  // Reserved first, so that once a worker's thread runs, recording it cannot fail: a slot exists
  // exactly when its worker does, and a failed thread creation leaves the pool as it was.
  slots_.reserve(count);
  workers_.reserve(count);
  while (static_cast<int>(workers_.size()) < count) {
    const int tid = static_cast<int>(workers_.size()) + 1;
    auto slot = std::make_unique<Slot>();
    FailIfArmed(Fault::kThread);
    std::thread worker(&ThreadPool::WorkerMain, this, slot.get(), tid,
                       generation_.load(std::memory_order_acquire));
    slots_.push_back(std::move(slot));
    workers_.push_back(std::move(worker));
  }
}

void ThreadPool::Run(int threads, Fn fn, void* ctx, bool cancellable) {
  if (threads <= 1) {
    fn(ctx, 0);
    return;
  }
  EnsureWorkers(threads - 1);
  fn_ = fn;
  ctx_ = ctx;
  for (int w = 0; w + 1 < threads; ++w) slots_[w]->state.store(kPending, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  fn(ctx, 0);
  for (int w = 0; w + 1 < threads; ++w) {
    std::atomic<int>& state = slots_[w]->state;
    if (cancellable) {
      int expected = kPending;
      if (state.compare_exchange_strong(expected, kCancelled, std::memory_order_acq_rel)) continue;
    }
    SpinUntil([&] { return state.load(std::memory_order_acquire) == kIdle; });
  }
}

void ThreadPool::WorkerMain(Slot* slot, int tid, uint64_t seen) {
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
    // Only a pending slot is this worker's to run; a cancelled or idle one means the job it woke
    // for is over (the next job, if any, makes the slot pending again).
    int expected = kPending;
    if (slot->state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
      fn_(ctx_, tid);
      slot->state.store(kIdle, std::memory_order_release);
    }
  }
}

}  // namespace nnbench::kernel
