#include "sampler.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#if defined(__linux__)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <mach/mach.h>
#include <signal.h>
#include <unistd.h>
#endif

namespace nnbench {

namespace {

int64_t NowNs() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#if defined(__linux__)
// /proc/self/statm stays open: one pread per sample, no open/close. Its second field is resident pages.
int StatmFd() noexcept {
  static const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  return fd;
}
#endif

}  // namespace

int64_t ReadResidentBytes() noexcept {
#if defined(__linux__)
  const int fd = StatmFd();
  if (fd < 0) return -1;
  char buf[128];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return -1;
  static const long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<int64_t>(resident) * page;
#elif defined(__APPLE__)
  mach_task_basic_info_data_t info{};
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info), &count) != KERN_SUCCESS) return -1;
  return static_cast<int64_t>(info.resident_size);
#else
  return -1;
#endif
}

MemorySampler::MemorySampler(std::function<int64_t()> read_native) : read_native_(std::move(read_native)) {
  t0_ns_.store(NowNs());
}

bool MemorySampler::Start(uint32_t interval_us, size_t capacity, bool keep_samples) noexcept {
  if (running_) return true;
  interval_us_ = std::max<uint32_t>(interval_us, 100);
  {
    std::lock_guard<std::mutex> lock(samples_mutex_);
    capacity_ = std::max<size_t>(capacity & ~size_t{1}, 2);
    keep_samples_ = keep_samples;
    try {
      samples_.reserve(keep_samples ? capacity_ : 0);
    } catch (...) {
      return false;
    }
  }
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stop_ = false;
  }
  try {
    thread_ = std::thread([this] { Loop(); });
  } catch (...) {
    return false;
  }
  running_ = true;
  return true;
}

void MemorySampler::Stop() noexcept {
  if (!running_) return;
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  running_ = false;
}

void MemorySampler::Loop() noexcept {
  std::unique_lock<std::mutex> lock(wake_mutex_);
  while (!stop_) {
    lock.unlock();
    Take(true);
    lock.lock();
    wake_.wait_for(lock, std::chrono::microseconds(interval_us_), [this] { return stop_; });
  }
}

void MemorySampler::Raise(std::atomic<int64_t>& peak, int64_t v) noexcept {
  int64_t p = peak.load(std::memory_order_relaxed);
  while (v > p && !peak.compare_exchange_weak(p, v, std::memory_order_relaxed)) {
  }
}

void MemorySampler::Take(bool from_thread) noexcept {
  MemorySample s{};
  s.rss = ReadResidentBytes();
  s.native = read_native_ ? read_native_() : 0;
  s.external = external_.load(std::memory_order_relaxed);
  s.phase = phase_.load(std::memory_order_relaxed);
  Raise(peak_rss_, s.rss);
  Raise(peak_native_, s.native);

  const int64_t limit = kill_above_.load(std::memory_order_relaxed);
  if (from_thread && limit > 0 && s.rss > limit) {
#if defined(__linux__) || defined(__APPLE__)
    std::string line;
    {
      std::lock_guard<std::mutex> lock(kill_mutex_);
      line = kill_message_;
    }
    char figures[160];
    std::snprintf(figures, sizeof figures, " (rss %lld bytes, limit %lld bytes)\n", static_cast<long long>(s.rss),
                  static_cast<long long>(limit));
    line += figures;
    ssize_t ignored = ::write(2, line.data(), line.size());
    (void)ignored;
    ::kill(::getpid(), SIGKILL);
#endif
  }

  std::lock_guard<std::mutex> lock(samples_mutex_);
  if (!keep_samples_) return;
  // Stamped under the lock, so samples from this thread and the JavaScript thread (marks) are kept
  // in time order, and none is measured against the start of an earlier Reset.
  s.t_ns = NowNs() - t0_ns_.load(std::memory_order_relaxed);
  // Within a stride, keep the sample with the highest RSS.
  if (pending_count_ == 0 || s.rss > pending_.rss) pending_ = s;
  if (++pending_count_ < stride_) return;
  pending_count_ = 0;
  if (samples_.size() == capacity_) {
    size_t w = 0;
    for (size_t r = 0; r + 1 < samples_.size(); r += 2) {
      samples_[w++] = samples_[r].rss >= samples_[r + 1].rss ? samples_[r] : samples_[r + 1];
    }
    samples_.resize(w);
    stride_ *= 2;
  }
  samples_.push_back(pending_);
}

void MemorySampler::Reset() noexcept {
  {
    std::lock_guard<std::mutex> lock(samples_mutex_);
    samples_.clear();
    stride_ = 1;
    pending_count_ = 0;
    t0_ns_.store(NowNs(), std::memory_order_relaxed);
    peak_rss_.store(0, std::memory_order_relaxed);
    peak_native_.store(0, std::memory_order_relaxed);
    peak_external_.store(external_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    peak_heap_.store(heap_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  Take(false);
}

int64_t MemorySampler::SampleNow() noexcept {
  Take(false);
  return NowNs() - t0_ns_.load(std::memory_order_relaxed);
}

void MemorySampler::PublishV8(int64_t external, int64_t heap) noexcept {
  external_.store(external, std::memory_order_relaxed);
  heap_.store(heap, std::memory_order_relaxed);
  Raise(peak_external_, external);
  Raise(peak_heap_, heap);
}

void MemorySampler::SetKillAbove(int64_t bytes, std::string message) noexcept {
  {
    std::lock_guard<std::mutex> lock(kill_mutex_);
    kill_message_ = std::move(message);
  }
  kill_above_.store(bytes > 0 ? bytes : 0);
}

MemoryPeaks MemorySampler::Peaks() const noexcept {
  return {peak_rss_.load(), peak_native_.load(), peak_external_.load(), peak_heap_.load()};
}

std::vector<MemorySample> MemorySampler::TakeSamples() noexcept {
  std::lock_guard<std::mutex> lock(samples_mutex_);
  std::vector<MemorySample> out;
  out.swap(samples_);
  try {
    samples_.reserve(keep_samples_ ? capacity_ : 0);
  } catch (...) {
  }
  stride_ = 1;
  pending_count_ = 0;
  return out;
}

}  // namespace nnbench
