// Bindings that move bytes between files and tensor storage, and reduce or reorder storage.
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "../core/bytes.h"
#include "../kernel/convert.h"
#include "common.h"
#include "promise_worker.h"
#include "storage.h"

namespace nnbench {

namespace {

/** What a file range request does. */
enum class RangeOp { kRead, kReadChecked, kWrite };

/**
 * The arguments shared by reads and writes: (fd, position, storage, offset, length), and for a
 * checked read an optional sixth, the CRC-32 to continue from.
 */
struct FileRange {
  int fd = -1;
  uint64_t position = 0;
  Storage* storage = nullptr;
  Napi::Object object;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t crc = 0;
};

bool ParseFileRange(const Napi::CallbackInfo& info, RangeOp op, FileRange* out) {
  Napi::Env env = info.Env();
  uint64_t fd = 0;
  if (!GetIndex(info, 0, "fd", &fd) || fd > 0x7fffffff) {
    if (!env.IsExceptionPending()) ThrowArgError(env, "fd", "a file descriptor");
    return false;
  }
  if (!GetIndex(info, 1, "position", &out->position)) return false;
  out->storage = Storage::FromValue(env, info[2], "storage");
  if (out->storage == nullptr) return false;
  out->object = info[2].As<Napi::Object>();
  if (!GetIndex(info, 3, "offset", &out->offset) || !GetIndex(info, 4, "length", &out->length)) return false;
  if (op == RangeOp::kReadChecked && !GetOptionalCrc(info, 5, "crc", &out->crc)) return false;
  if (out->offset > out->storage->byte_length() || out->length > out->storage->byte_length() - out->offset) {
    Napi::RangeError::New(env, "byte range " + std::to_string(out->offset) + "+" + std::to_string(out->length) +
                                   " is outside the tensor's " + std::to_string(out->storage->byte_length()) +
                                   " bytes")
        .ThrowAsJavaScriptException();
    return false;
  }
  out->fd = static_cast<int>(fd);
  return true;
}

/** A read's result: the byte count, or with a CRC { bytes, crc32 }. */
Napi::Value ReadResult(Napi::Env env, RangeOp op, int64_t got, uint32_t crc) {
  if (op != RangeOp::kReadChecked) return Napi::Number::New(env, static_cast<double>(got));
  Napi::Object out = Napi::Object::New(env);
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(got)));
  out.Set("crc32", Napi::Number::New(env, static_cast<double>(crc)));
  return out;
}

Napi::Value ReadRange(const Napi::CallbackInfo& info, RangeOp op) {
  Napi::Env env = info.Env();
  FileRange r;
  if (!ParseFileRange(info, op, &r)) return env.Undefined();
  std::string error;
  uint32_t crc = r.crc;
  const int64_t got = ReadAt(r.fd, r.position, r.storage->data() + r.offset, r.length, &error,
                             op == RangeOp::kReadChecked ? &crc : nullptr);
  if (got < 0) {
    Napi::Error::New(env, "read failed: " + error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return ReadResult(env, op, got, crc);
}

// readInto(fd, position, storage, offset, length): bytes read.
Napi::Value ReadInto(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) { return ReadRange(info, RangeOp::kRead); });
}

// readIntoChecked(fd, position, storage, offset, length, crc = 0): { bytes, crc32 }, crc32 being
// `crc` continued over the bytes read (zlib's crc32(crc, bytes)).
Napi::Value ReadIntoChecked(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) {
    return ReadRange(info, RangeOp::kReadChecked);
  });
}

Napi::Value WriteFrom(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    FileRange r;
    if (!ParseFileRange(info, RangeOp::kWrite, &r)) return env.Undefined();
    std::string error;
    if (!WriteAt(r.fd, r.position, r.storage->data() + r.offset, r.length, &error)) {
      Napi::Error::New(env, "write failed: " + error).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  });
}

/** Reads or writes a file range on the libuv pool; the storage stays pinned until it settles. */
class FileRangeWorker : public PromiseWorker {
 public:
  FileRangeWorker(Napi::Env env, const FileRange& r, RangeOp op)
      : PromiseWorker(env, op == RangeOp::kWrite ? "nnbench.writeFrom" : "nnbench.readInto"),
        pin_(env, r.object, r.storage),
        fd_(r.fd),
        position_(r.position),
        offset_(r.offset),
        length_(r.length),
        op_(op),
        crc_(r.crc) {}

 protected:
  void Run() override {
    std::string error;
    uint8_t* at = pin_.data() + offset_;
    if (op_ == RangeOp::kWrite) {
      if (!WriteAt(fd_, position_, at, length_, &error)) SetError("write failed: " + error);
      return;
    }
    uint32_t* crc = op_ == RangeOp::kReadChecked ? &crc_ : nullptr;
    done_ = ReadAt(fd_, position_, at, length_, &error, crc);
    if (done_ < 0) SetError("read failed: " + error);
  }

  napi_value Result(napi_env env) override {
    if (op_ == RangeOp::kWrite) return PromiseWorker::Result(env);
    return ReadResult(Napi::Env(env), op_, done_, crc_);
  }

 private:
  StoragePin pin_;
  int fd_;
  uint64_t position_;
  uint64_t offset_;
  uint64_t length_;
  RangeOp op_;
  int64_t done_ = 0;
  uint32_t crc_;
};

Napi::Value QueueFileRange(const Napi::CallbackInfo& info, RangeOp op) {
  FileRange r;
  if (!ParseFileRange(info, op, &r)) return info.Env().Undefined();
  return QueuePromise(new FileRangeWorker(info.Env(), r, op));
}

Napi::Value ReadIntoAsync(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) {
    return QueueFileRange(info, RangeOp::kRead);
  });
}

Napi::Value ReadIntoCheckedAsync(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) {
    return QueueFileRange(info, RangeOp::kReadChecked);
  });
}

Napi::Value WriteFromAsync(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) {
    return QueueFileRange(info, RangeOp::kWrite);
  });
}

bool GetItemSize(const Napi::CallbackInfo& info, size_t i, uint64_t* out) {
  if (!GetIndex(info, i, "itemSize", out)) return false;
  if (*out != 1 && *out != 2 && *out != 4 && *out != 8) {
    ThrowArgError(info.Env(), "itemSize", "1, 2, 4 or 8");
    return false;
  }
  return true;
}

// byteSwap(storage, itemSize): reverses every element's bytes in place.
Napi::Value ByteSwapBinding(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Storage* s = Storage::FromValue(env, info[0], "storage");
    uint64_t item = 0;
    if (s == nullptr || !GetItemSize(info, 1, &item)) return env.Undefined();
    ByteSwap(s->data(), s->byte_length() / item, item);
    return env.Undefined();
  });
}

/** Reads the live storages `src` and `dst` (arguments 0 and 1); throws and returns false otherwise. */
bool GetSrcDst(const Napi::CallbackInfo& info, Storage** src, Storage** dst) {
  *src = Storage::FromValue(info.Env(), info[0], "src");
  if (*src == nullptr) return false;
  *dst = Storage::FromValue(info.Env(), info[1], "dst");
  return *dst != nullptr;
}

// fortranToC(src, dst, shape, itemSize): dst receives src's Fortran-ordered elements in C order.
Napi::Value FortranToCBinding(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Storage* src = nullptr;
    Storage* dst = nullptr;
    if (!GetSrcDst(info, &src, &dst)) return env.Undefined();
    if (info.Length() < 3 || !info[2].IsArray()) {
      ThrowArgError(env, "shape", "an array of non-negative integers");
      return env.Undefined();
    }
    uint64_t item = 0;
    if (!GetItemSize(info, 3, &item)) return env.Undefined();
    Napi::Array dims = info[2].As<Napi::Array>();
    std::vector<size_t> shape;
    unsigned __int128 count = 1;
    for (uint32_t i = 0; i < dims.Length(); ++i) {
      Napi::Value d = dims.Get(i);
      const double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
      if (!(v >= 0) || v != static_cast<double>(static_cast<uint64_t>(v)) || v > 9007199254740991.0) {
        ThrowArgError(env, "shape", "an array of non-negative integers");
        return env.Undefined();
      }
      shape.push_back(static_cast<size_t>(v));
      count *= static_cast<uint64_t>(v);
      if (count > (static_cast<unsigned __int128>(1) << 62)) break;
    }
    const unsigned __int128 bytes = count * item;
    if (bytes != src->byte_length() || bytes != dst->byte_length() || src == dst) {
      Napi::RangeError::New(env, "fortranToC: shape does not match both storages, or they are the same")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    FortranToC(src->data(), dst->data(), shape, item);
    return env.Undefined();
  });
}

// sum(storage, dtype): float64 sum of every element.
Napi::Value SumBinding(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Storage* s = Storage::FromValue(env, info[0], "storage");
    uint64_t code = 0;
    if (s == nullptr || !GetIndex(info, 1, "dtype", &code)) return env.Undefined();
    if (code >= kDTypeCount) {
      ThrowArgError(env, "dtype", "a dtype code");
      return env.Undefined();
    }
    const auto dtype = static_cast<DType>(code);
    return Napi::Number::New(env, Sum(s->data(), s->byte_length() / ItemSize(dtype), dtype));
  });
}

// copyBytes(src, dst): copies every byte of src into dst, which must have the same length.
Napi::Value CopyBytes(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Storage* src = nullptr;
    Storage* dst = nullptr;
    if (!GetSrcDst(info, &src, &dst)) return env.Undefined();
    if (src->byte_length() != dst->byte_length()) {
      Napi::RangeError::New(env, "copyBytes: storages differ in length").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (src != dst && src->byte_length() > 0) std::memcpy(dst->data(), src->data(), src->byte_length());
    return env.Undefined();
  });
}

bool GetDType(const Napi::CallbackInfo& info, size_t i, const char* name, DType* out) {
  uint64_t code = 0;
  if (!GetIndex(info, i, name, &code)) return false;
  if (code >= kDTypeCount) {
    ThrowArgError(info.Env(), name, "a dtype code");
    return false;
  }
  *out = static_cast<DType>(code);
  return true;
}

// convert(src, srcDtype, srcStart, dst, dstDtype, dstStart, count): converts `count` elements of
// src from element srcStart into dst from element dstStart (floating-point dtypes only).
Napi::Value Convert(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Storage* src = Storage::FromValue(env, info[0], "src");
    if (src == nullptr) return env.Undefined();
    DType from{};
    uint64_t src_start = 0;
    if (!GetDType(info, 1, "srcDtype", &from) || !GetIndex(info, 2, "srcStart", &src_start)) return env.Undefined();
    Storage* dst = Storage::FromValue(env, info[3], "dst");
    if (dst == nullptr) return env.Undefined();
    DType to{};
    uint64_t dst_start = 0;
    uint64_t count = 0;
    if (!GetDType(info, 4, "dstDtype", &to) || !GetIndex(info, 5, "dstStart", &dst_start) ||
        !GetIndex(info, 6, "count", &count)) {
      return env.Undefined();
    }
    if (!kernel::IsFloatDType(from) || !kernel::IsFloatDType(to)) {
      ThrowArgError(env, "dtype", "a floating-point dtype code");
      return env.Undefined();
    }
    const uint64_t src_items = src->byte_length() / ItemSize(from);
    const uint64_t dst_items = dst->byte_length() / ItemSize(to);
    if (src_start > src_items || count > src_items - src_start || dst_start > dst_items ||
        count > dst_items - dst_start) {
      Napi::RangeError::New(env, "convert: element range is outside a storage").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (src == dst && count > 0) {
      Napi::RangeError::New(env, "convert: source and destination are the same storage").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    kernel::ConvertFloats(src->data() + src_start * ItemSize(from), from, dst->data() + dst_start * ItemSize(to), to,
                          static_cast<size_t>(count));
    return env.Undefined();
  });
}

// convertPath(dtypeCode): the instructions float32 <-> that 16-bit dtype conversions run now.
Napi::Value ConvertPathBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DType dtype{};
  if (!GetDType(info, 0, "dtype", &dtype)) return env.Undefined();
  return Napi::String::New(env, kernel::ConvertPath(dtype));
}

}  // namespace

void InitIo(Napi::Env env, Napi::Object exports) {
  exports.Set("readInto", Napi::Function::New<ReadInto>(env, "readInto"));
  exports.Set("readIntoAsync", Napi::Function::New<ReadIntoAsync>(env, "readIntoAsync"));
  exports.Set("readIntoChecked", Napi::Function::New<ReadIntoChecked>(env, "readIntoChecked"));
  exports.Set("readIntoCheckedAsync",
              Napi::Function::New<ReadIntoCheckedAsync>(env, "readIntoCheckedAsync"));
  exports.Set("writeFrom", Napi::Function::New<WriteFrom>(env, "writeFrom"));
  exports.Set("writeFromAsync", Napi::Function::New<WriteFromAsync>(env, "writeFromAsync"));
  exports.Set("byteSwap", Napi::Function::New<ByteSwapBinding>(env, "byteSwap"));
  exports.Set("fortranToC", Napi::Function::New<FortranToCBinding>(env, "fortranToC"));
  exports.Set("sum", Napi::Function::New<SumBinding>(env, "sum"));
  exports.Set("copyBytes", Napi::Function::New<CopyBytes>(env, "copyBytes"));
  exports.Set("convert", Napi::Function::New<Convert>(env, "convert"));
  exports.Set("convertPath", Napi::Function::New<ConvertPathBinding>(env, "convertPath"));
}

}  // namespace nnbench
