#include "bytes.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "crc32.h"
#include "fault.h"

namespace nnbench {

void ByteSwap(uint8_t* data, size_t count, size_t item_size) {
  if (item_size < 2) return;
  for (size_t i = 0; i < count; ++i) {
    uint8_t* e = data + i * item_size;
    for (size_t a = 0, b = item_size - 1; a < b; ++a, --b) {
      const uint8_t t = e[a];
      e[a] = e[b];
      e[b] = t;
    }
  }
}

void FortranToC(const uint8_t* src, uint8_t* dst, const std::vector<size_t>& shape, size_t item_size) {
  const size_t ndim = shape.size();
  size_t count = 1;
  for (size_t d : shape) count *= d;
  if (count == 0) return;
  if (ndim <= 1) {
    std::memcpy(dst, src, count * item_size);
    return;
  }
  // Fortran strides (in elements): the first axis is contiguous.
  std::vector<size_t> fstride(ndim);
  size_t s = 1;
  for (size_t d = 0; d < ndim; ++d) {
    fstride[d] = s;
    s *= shape[d];
  }
  // Walk the destination in C order; the last axis is the innermost loop.
  std::vector<size_t> index(ndim, 0);
  const size_t inner = shape[ndim - 1];
  const size_t inner_stride = fstride[ndim - 1] * item_size;
  size_t out = 0;
  while (out < count) {
    size_t offset = 0;
    for (size_t d = 0; d + 1 < ndim; ++d) offset += index[d] * fstride[d];
    const uint8_t* from = src + offset * item_size;
    uint8_t* to = dst + out * item_size;
    for (size_t j = 0; j < inner; ++j) std::memcpy(to + j * item_size, from + j * inner_stride, item_size);
    out += inner;
    // Advance the multi-index over every axis but the last.
    for (size_t d = ndim - 1; d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

namespace {

template <typename T>
double PairwiseSum(const uint8_t* data, size_t count) {
  constexpr size_t kLeaf = 128;
  if (count <= kLeaf) {
    double acc = 0;
    for (size_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, data + i * sizeof(T), sizeof(T));
      acc += static_cast<double>(v);
    }
    return acc;
  }
  const size_t half = count / 2;
  return PairwiseSum<T>(data, half) + PairwiseSum<T>(data + half * sizeof(T), count - half);
}

/** Pairwise sum of 16-bit floats that `widen` turns into floats (float16 or bfloat16). */
template <float (*widen)(uint16_t)>
double HalfSum(const uint8_t* data, size_t count) {
  constexpr size_t kLeaf = 128;
  if (count <= kLeaf) {
    double acc = 0;
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, data + i * 2, 2);
      acc += static_cast<double>(widen(h));
    }
    return acc;
  }
  const size_t half = count / 2;
  return HalfSum<widen>(data, half) + HalfSum<widen>(data + half * 2, count - half);
}

double BoolSum(const uint8_t* data, size_t count) {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) n += data[i] != 0;
  return static_cast<double>(n);
}

}  // namespace

double Sum(const uint8_t* data, size_t count, DType dtype) {
  switch (dtype) {
    case DType::kFloat16: return HalfSum<HalfToFloat>(data, count);
    case DType::kBfloat16: return HalfSum<Bfloat16ToFloat>(data, count);
    case DType::kFloat32: return PairwiseSum<float>(data, count);
    case DType::kFloat64: return PairwiseSum<double>(data, count);
    case DType::kInt8: return PairwiseSum<int8_t>(data, count);
    case DType::kInt16: return PairwiseSum<int16_t>(data, count);
    case DType::kInt32: return PairwiseSum<int32_t>(data, count);
    case DType::kInt64: return PairwiseSum<int64_t>(data, count);
    case DType::kUint8: return PairwiseSum<uint8_t>(data, count);
    case DType::kUint16: return PairwiseSum<uint16_t>(data, count);
    case DType::kUint32: return PairwiseSum<uint32_t>(data, count);
    case DType::kUint64: return PairwiseSum<uint64_t>(data, count);
    case DType::kBool: return BoolSum(data, count);
  }
  return 0;
}

namespace {

// With a CRC to compute, reads go in pieces this large, which are still in the cache when the CRC
// reads them back.
constexpr size_t kCrcPiece = size_t{512} << 10;

/**
 * ReadAt on the calling thread; with `crc`, also updates *crc with the bytes read. On an I/O error
 * returns -1 and sets `error_code` (an errno).
 */
int64_t ReadSerial(int fd, uint64_t position, uint8_t* dst, size_t length, int* error_code,
                   uint32_t* crc) noexcept {
  // Linux transfers at most about 2 GiB per call; without a CRC, ask for pieces of 1 GiB.
  const size_t piece = crc != nullptr ? kCrcPiece : size_t{1} << 30;
  size_t done = 0;
  while (done < length) {
    const size_t want = std::min(length - done, piece);
    const ssize_t got = pread(fd, dst + done, want, static_cast<off_t>(position + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      *error_code = errno;
      return -1;
    }
    if (got == 0) break;
    if (crc != nullptr) *crc = Crc32(*crc, dst + done, static_cast<size_t>(got));
    done += static_cast<size_t>(got);
  }
  return static_cast<int64_t>(done);
}

// Below this, one thread reads; above it, copying out of the page cache is split across cores,
// since a single core's copy (and page faulting) is slower than memory bandwidth.
constexpr size_t kParallelReadBytes = size_t{64} << 20;
constexpr size_t kSliceAlign = size_t{2} << 20;

/** One slice of a split read: its place in the file and the destination, and how it went. */
struct Slice {
  uint64_t position = 0;
  uint8_t* dst = nullptr;
  size_t length = 0;
  int64_t got = 0;
  int error_code = 0;
  uint32_t crc = 0;

  void Read(int fd, bool with_crc) noexcept {
    got = ReadSerial(fd, position, dst, length, &error_code, with_crc ? &crc : nullptr);
  }
};

/** Joins every thread it holds when it goes out of scope, however the scope is left. */
class JoiningThreads {
 public:
  explicit JoiningThreads(size_t capacity) { threads_.reserve(capacity); }
  JoiningThreads(const JoiningThreads&) = delete;
  JoiningThreads& operator=(const JoiningThreads&) = delete;
  ~JoiningThreads() {
    for (std::thread& t : threads_) t.join();
  }

  /** Starts `slice->Read` on a new thread; false (nothing started) when none can be made. */
  bool TryStart(Slice* slice, int fd, bool with_crc) noexcept {
    if (threads_.size() == threads_.capacity()) return false;
    try {
      FailIfArmed(Fault::kThread);
      // Reserved: adding the thread cannot reallocate.
      threads_.emplace_back([slice, fd, with_crc] { slice->Read(fd, with_crc); });
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

 private:
  std::vector<std::thread> threads_;
};

/** The slices of a read of `length` bytes at `position` split over `cores` threads. */
std::vector<Slice> SplitRead(uint64_t position, uint8_t* dst, size_t length, unsigned cores) {
  const size_t slice = (length / cores + kSliceAlign - 1) / kSliceAlign * kSliceAlign;
  std::vector<Slice> slices((length + slice - 1) / slice);
  for (size_t i = 0; i < slices.size(); ++i) {
    const size_t begin = i * slice;
    slices[i].position = position + begin;
    slices[i].dst = dst + begin;
    slices[i].length = std::min(slice, length - begin);
  }
  return slices;
}

}  // namespace

int64_t ReadAt(int fd, uint64_t position, uint8_t* dst, size_t length, std::string* error,
               uint32_t* crc) {
  const unsigned cores = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  int error_code = 0;
  if (length < kParallelReadBytes || cores == 1) {
    const int64_t got = ReadSerial(fd, position, dst, length, &error_code, crc);
    if (got < 0) *error = std::strerror(error_code);
    return got;
  }
  FailIfArmed(Fault::kAlloc);  // where the slices are allocated
  std::vector<Slice> slices = SplitRead(position, dst, length, cores);
  const bool with_crc = crc != nullptr;
  {
    JoiningThreads threads(slices.size() - 1);
    // Slice 0 is this thread's, and so is every slice no thread could be started for.
    size_t started = 1;
    while (started < slices.size() && threads.TryStart(&slices[started], fd, with_crc)) ++started;
    for (size_t i = started; i < slices.size(); ++i) slices[i].Read(fd, with_crc);
    slices[0].Read(fd, with_crc);
  }
  // The bytes read are the prefix up to the first short slice (end of file).
  int64_t total = 0;
  uint32_t total_crc = with_crc ? *crc : 0;
  for (const Slice& s : slices) {
    if (s.got < 0) {
      *error = std::strerror(s.error_code);
      return -1;
    }
    total += s.got;
    if (with_crc) total_crc = Crc32Combine(total_crc, s.crc, static_cast<uint64_t>(s.got));
    if (static_cast<size_t>(s.got) < s.length) break;
  }
  if (with_crc) *crc = total_crc;
  return total;
}

bool WriteAt(int fd, uint64_t position, const uint8_t* src, size_t length, std::string* error) {
  size_t done = 0;
  while (done < length) {
    const size_t want = std::min(length - done, size_t{1} << 30);
    const ssize_t put = pwrite(fd, src + done, want, static_cast<off_t>(position + done));
    if (put < 0) {
      if (errno == EINTR) continue;
      *error = std::strerror(errno);
      return false;
    }
    done += static_cast<size_t>(put);
  }
  return true;
}

}  // namespace nnbench
