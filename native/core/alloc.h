// Aligned allocation of tensor storage, outside any JavaScript heap.
//
// Small buffers are 64-byte aligned (a cache line, and the widest SIMD load). Buffers of 2 MiB and
// more are mapped directly, 2 MiB-aligned and advised for transparent huge pages: faulting fresh
// memory 4 KiB at a time caps reads from the page cache at about a quarter of memcpy speed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnbench {

/** Bytes from which a buffer is mapped 2 MiB-aligned and advised for huge pages. */
constexpr size_t kHugeThreshold = size_t{2} << 20;

/** An owned region of raw memory; movable, not copyable, freed by its destructor. */
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  ~AlignedBuffer() { Reset(); }

  /**
   * Allocates `bytes` (at least one cache line is reserved, so `data()` is never null on success).
   * With `zero`, the memory reads as zeros. Returns an empty buffer when the system refuses.
   */
  static AlignedBuffer Allocate(size_t bytes, bool zero) noexcept;

  /**
   * Maps `bytes` of the open file `fd` from `position`, private and copy-on-write: pages are read
   * on first touch and writes never reach the file. Returns an empty buffer when the system refuses.
   */
  static AlignedBuffer MapFile(int fd, uint64_t position, size_t bytes) noexcept;

  uint8_t* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

  /** Frees the memory now; the buffer becomes empty. */
  void Reset() noexcept;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;      // bytes requested
  size_t reserved_ = 0;  // bytes actually reserved (mapped length for mapped buffers)
  bool mapped_ = false;
  size_t offset_ = 0;    // bytes between the start of the allocation or mapping and data_
};

}  // namespace nnbench
