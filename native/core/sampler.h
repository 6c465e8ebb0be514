// A memory sampler on its own thread: every interval it reads the process's resident set size and the
// figures other threads publish (native bytes, V8 external and heap bytes), keeps the peaks, and stores
// the samples for a timeline. It never touches JavaScript, so a busy JavaScript thread does not stop it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nnbench {

/** Resident set size of this process in bytes, or -1 where the system does not tell. */
int64_t ReadResidentBytes() noexcept;

/** One reading. `t_ns` counts from the last Reset(). */
struct MemorySample {
  int64_t t_ns;
  int64_t rss;
  int64_t native;
  int64_t external;
  int32_t phase;
};

/** The highest readings since the last Reset(). */
struct MemoryPeaks {
  int64_t rss;
  int64_t native;
  int64_t external;
  int64_t heap;
};

class MemorySampler {
 public:
  /** `read_native` is called on the sampling thread; it must be thread-safe and must not throw. */
  explicit MemorySampler(std::function<int64_t()> read_native);
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;
  ~MemorySampler() { Stop(); }

  /**
   * Starts the thread (sampling every `interval_us` microseconds) if it is not running. Keeps at most
   * `capacity` samples: when full, neighbouring samples are merged (the one with the higher RSS stays)
   * and the stride doubles, so a long benchmark keeps its whole span and its peak. Returns false when
   * the thread cannot be started.
   */
  bool Start(uint32_t interval_us, size_t capacity, bool keep_samples) noexcept;
  /** Stops and joins the thread. */
  void Stop() noexcept;
  bool running() const noexcept { return running_; }

  /** Drops the samples and peaks and starts the clock again; takes one sample at once. */
  void Reset() noexcept;
  /** Takes one sample now (on the calling thread) and returns the time offset of it in nanoseconds. */
  int64_t SampleNow() noexcept;

  void SetPhase(int32_t phase) noexcept { phase_.store(phase, std::memory_order_relaxed); }
  /** Publishes V8's external (ArrayBuffer included) and heap-used bytes, read on the JavaScript thread. */
  void PublishV8(int64_t external, int64_t heap) noexcept;
  /**
   * When RSS exceeds `bytes` (0 turns it off), the sampling thread writes `message` and the figures to
   * standard error and kills the process with SIGKILL: a guard for child processes that must not swap.
   */
  void SetKillAbove(int64_t bytes, std::string message) noexcept;

  MemoryPeaks Peaks() const noexcept;
  /** Moves the stored samples out (oldest first) and leaves the buffer empty. */
  std::vector<MemorySample> TakeSamples() noexcept;
  uint32_t interval_us() const noexcept { return interval_us_; }

 private:
  void Loop() noexcept;
  void Take(bool from_thread) noexcept;
  static void Raise(std::atomic<int64_t>& peak, int64_t v) noexcept;

  std::function<int64_t()> read_native_;
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool running_ = false;
  uint32_t interval_us_ = 5000;

  std::atomic<int64_t> t0_ns_{0};
  std::atomic<int32_t> phase_{0};
  std::atomic<int64_t> external_{0};
  std::atomic<int64_t> heap_{0};
  std::atomic<int64_t> peak_rss_{0};
  std::atomic<int64_t> peak_native_{0};
  std::atomic<int64_t> peak_external_{0};
  std::atomic<int64_t> peak_heap_{0};
  std::atomic<int64_t> kill_above_{0};
  std::mutex kill_mutex_;
  std::string kill_message_;

  mutable std::mutex samples_mutex_;
  std::vector<MemorySample> samples_;
  size_t capacity_ = 0;
  bool keep_samples_ = false;
  uint64_t stride_ = 1;
  uint64_t pending_count_ = 0;
  MemorySample pending_{};
};

}  // namespace nnbench
