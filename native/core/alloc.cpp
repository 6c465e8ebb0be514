#include "alloc.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace nnbench {

namespace {
constexpr size_t kLineAlign = 64;
constexpr size_t kHugeAlign = size_t{2} << 20;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }
}  // namespace

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept { *this = std::move(other); }

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    reserved_ = std::exchange(other.reserved_, 0);
    mapped_ = std::exchange(other.mapped_, false);
    offset_ = std::exchange(other.offset_, 0);
  }
  return *this;
}

AlignedBuffer AlignedBuffer::Allocate(size_t bytes, bool zero) noexcept {
  AlignedBuffer out;
  if (bytes > SIZE_MAX - 2 * kHugeAlign) return out;
  if (bytes >= kHugeThreshold) {
    // Over-map by one huge page, then trim so the region starts on a 2 MiB boundary. Fresh anonymous
    // pages read as zero, so `zero` costs nothing here.
    const size_t length = RoundUp(bytes, kHugeAlign);
    const size_t span = length + kHugeAlign;
    void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return out;
    auto base = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = RoundUp(base, kHugeAlign);
    if (aligned > base) munmap(raw, aligned - base);
    const uintptr_t tail = aligned + length;
    const uintptr_t end = base + span;
    if (end > tail) munmap(reinterpret_cast<void*>(tail), end - tail);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
#endif
    out.data_ = reinterpret_cast<uint8_t*>(aligned);
    out.reserved_ = length;
    out.mapped_ = true;
  } else {
    // malloc plus alignment by hand rather than aligned_alloc: glibc's aligned allocation asks for
    // more than the block it later frees, so a freed block never fits the next request of the same
    // size, and a loop that creates and disposes tensors grows the heap (each new block faulting in
    // fresh pages). Over-allocating by the alignment keeps request and freed block the same size.
    const size_t length = RoundUp(bytes == 0 ? 1 : bytes, kLineAlign);
    void* raw = std::malloc(length + kLineAlign);
    if (raw == nullptr) return out;
    const auto base = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = RoundUp(base, kLineAlign);
    out.data_ = reinterpret_cast<uint8_t*>(aligned);
    out.offset_ = aligned - base;
    out.reserved_ = length;
    if (zero) std::memset(out.data_, 0, length);
  }
  out.size_ = bytes;
  return out;
}

AlignedBuffer AlignedBuffer::MapFile(int fd, uint64_t position, size_t bytes) noexcept {
  AlignedBuffer out;
  if (bytes == 0) return Allocate(0, true);
  const long page_size = sysconf(_SC_PAGESIZE);
  const uint64_t page = page_size > 0 ? static_cast<uint64_t>(page_size) : 4096;
  const uint64_t start = position / page * page;
  const size_t lead = static_cast<size_t>(position - start);
  if (bytes > SIZE_MAX - lead) return out;
  void* raw = mmap(nullptr, lead + bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, static_cast<off_t>(start));
  if (raw == MAP_FAILED) return out;
  out.data_ = static_cast<uint8_t*>(raw) + lead;
  out.size_ = bytes;
  out.reserved_ = lead + bytes;
  out.mapped_ = true;
  out.offset_ = lead;
  return out;
}

void AlignedBuffer::Reset() noexcept {
  if (data_ == nullptr) return;
  if (mapped_) {
    munmap(data_ - offset_, reserved_);
  } else {
    std::free(data_ - offset_);
  }
  data_ = nullptr;
  size_ = 0;
  reserved_ = 0;
  mapped_ = false;
  offset_ = 0;
}

}  // namespace nnbench
