// A per-thread workspace that the GEMM drivers keep between calls: allocating afresh would
// page-fault on every product.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#include "../core/fault.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nnbench::kernel {

/** A growable, 64-byte aligned buffer kept per thread between calls. */
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }

  /** At least `bytes` bytes; throws std::bad_alloc when the system refuses. */
  void* Get(size_t bytes) {
    FailIfArmed(Fault::kAlloc);
    if (bytes <= capacity_) return data_;
    std::free(data_);
    data_ = nullptr;
    capacity_ = 0;
    const size_t align = bytes >= (size_t{2} << 20) ? (size_t{2} << 20) : 64;
    const size_t size = (bytes + align - 1) / align * align;
    void* p = nullptr;
    if (posix_memalign(&p, align, size) != 0) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align > 64) madvise(p, size, MADV_HUGEPAGE);
#endif
    data_ = p;
    capacity_ = size;
    return data_;
  }

  /** Frees the buffer when it grew beyond `keep` bytes, so one huge call does not pin memory. */
  void Trim(size_t keep) {
    if (capacity_ > keep) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
    }
  }

 private:
  void* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace nnbench::kernel
