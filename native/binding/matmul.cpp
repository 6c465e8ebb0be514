// Matrix multiplication bindings: a thin layer that checks every argument against the operands'
// storage and hands the work to the kernel in native/kernel (synchronously, or on the libuv pool).
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "../kernel/gemm.h"
#include "../kernel/convert.h"
#include "../kernel/gemm_half.h"
#include "common.h"
#include "promise_worker.h"
#include "storage.h"

namespace nnbench {

namespace {

namespace gk = nnbench::kernel;

/** One call's products, checked against the operands' sizes. */
struct GemmJob {
  size_t item = 0;  // bytes per element of B and C: 4 (float32) or 8 (float64)
  size_t a_item = 0;  // bytes per element of A: as item, or 2 for 16-bit weights
  DType weights = DType::kFloat32;  // A's dtype
  int64_t m = 0, n = 0, k = 0;
  std::vector<gk::BatchItem> items;
};

bool MulFits(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out) && *out <= (uint64_t{1} << 53);
}

/** Checks that `offset + extent` elements lie within a storage of `bytes` bytes. */
bool Fits(uint64_t offset, uint64_t extent, size_t bytes, size_t item) {
  if (extent == 0) return true;
  uint64_t end = 0;
  if (__builtin_add_overflow(offset, extent, &end)) return false;
  return end <= bytes / item;
}

/**
 * Reads (a, b, c, dtype, m, n, k, offsets?) into `job` and the three storages. `offsets` is a
 * Float64Array of 3 element offsets (A, B, C) per product; without it there is one product at 0.
 * Throws a JavaScript error and returns false when anything does not fit.
 */
bool ReadJob(const Napi::CallbackInfo& info, GemmJob* job, Storage** a, Storage** b, Storage** c) {
  Napi::Env env = info.Env();
  *a = Storage::FromValue(env, info[0], "a");
  if (*a == nullptr) return false;
  *b = Storage::FromValue(env, info[1], "b");
  if (*b == nullptr) return false;
  *c = Storage::FromValue(env, info[2], "out");
  if (*c == nullptr) return false;
  if (!info[3].IsString()) {
    ThrowArgError(env, "dtype", "\"float32\" or \"float64\"");
    return false;
  }
  const std::string dtype = info[3].As<Napi::String>().Utf8Value();
  // The dtype of A; B and C are float32 for 16-bit A.
  if (dtype == "float32" || dtype == "bfloat16" || dtype == "float16") {
    job->item = 4;
  } else if (dtype == "float64") {
    job->item = 8;
  } else {
    ThrowArgError(env, "dtype", "\"float32\", \"float64\", \"bfloat16\" or \"float16\"");
    return false;
  }
  job->weights = dtype == "float64"    ? DType::kFloat64
                 : dtype == "bfloat16" ? DType::kBfloat16
                 : dtype == "float16"  ? DType::kFloat16
                                       : DType::kFloat32;
  job->a_item = ItemSize(job->weights);
  uint64_t m = 0, n = 0, k = 0;
  if (!GetIndex(info, 4, "m", &m) || !GetIndex(info, 5, "n", &n) || !GetIndex(info, 6, "k", &k)) {
    return false;
  }
  uint64_t mk = 0, kn = 0, mn = 0;
  if (!MulFits(m, k, &mk) || !MulFits(k, n, &kn) || !MulFits(m, n, &mn)) {
    ThrowArgError(env, "m, n, k", "dimensions whose products fit in 2^53");
    return false;
  }
  job->m = static_cast<int64_t>(m);
  job->n = static_cast<int64_t>(n);
  job->k = static_cast<int64_t>(k);

  if (info.Length() <= 7 || info[7].IsUndefined() || info[7].IsNull()) {
    job->items.push_back(gk::BatchItem{0, 0, 0});
  } else {
    if (!info[7].IsTypedArray() ||
        info[7].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      ThrowArgError(env, "offsets", "a Float64Array");
      return false;
    }
    Napi::Float64Array offsets = info[7].As<Napi::Float64Array>();
    const size_t count = offsets.ElementLength();
    if (count % 3 != 0) {
      ThrowArgError(env, "offsets", "a Float64Array of 3 offsets per product");
      return false;
    }
    job->items.reserve(count / 3);
    for (size_t i = 0; i < count; i += 3) {
      int64_t off[3];
      for (size_t j = 0; j < 3; ++j) {
        const double v = offsets[i + j];
        if (!(v >= 0) || v > 9007199254740991.0 || v != static_cast<double>(static_cast<int64_t>(v))) {
          ThrowArgError(env, "offsets", "non-negative integer element offsets");
          return false;
        }
        off[j] = static_cast<int64_t>(v);
      }
      job->items.push_back(gk::BatchItem{off[0], off[1], off[2]});
    }
  }
  for (const gk::BatchItem& it : job->items) {
    if (!Fits(it.a, mk, (*a)->byte_length(), job->a_item) ||
        !Fits(it.b, kn, (*b)->byte_length(), job->item) ||
        !Fits(it.c, mn, (*c)->byte_length(), job->item)) {
      Napi::RangeError::New(env, "matmul: an operand is smaller than its shape and offsets need")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

template <typename T>
void RunTyped(const GemmJob& job, const uint8_t* a, const uint8_t* b, uint8_t* c) {
  gk::Gemm(job.m, job.n, job.k, reinterpret_cast<const T*>(a), job.k, reinterpret_cast<const T*>(b),
           job.n, reinterpret_cast<T*>(c), job.n, job.items.data(),
           static_cast<int64_t>(job.items.size()));
}

/**
 * Runs the products. When C shares its storage with A or B, the result is computed into a
 * temporary buffer first, so the kernel never reads what it has already overwritten.
 */
void RunJob(const GemmJob& job, const uint8_t* a, const uint8_t* b, uint8_t* c, size_t c_bytes) {
  if (job.items.empty() || job.m == 0 || job.n == 0) return;
  const bool alias = c == a || c == b;
  std::vector<uint8_t> temp;
  uint8_t* target = c;
  if (alias) {
    temp.resize(c_bytes);
    target = temp.data();
  }
  if (job.a_item == 2) {
    gk::GemmHalf(job.weights, job.m, job.n, job.k, reinterpret_cast<const uint16_t*>(a), job.k,
                 reinterpret_cast<const float*>(b), job.n, reinterpret_cast<float*>(target), job.n,
                 job.items.data(), static_cast<int64_t>(job.items.size()));
  } else if (job.item == 4) {
    RunTyped<float>(job, a, b, target);
  } else {
    RunTyped<double>(job, a, b, target);
  }
  if (alias) std::memcpy(c, temp.data(), c_bytes);
}

// gemm(a, b, out, dtype, m, n, k, offsets?): out = a @ b for each product, on this thread.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    GemmJob job;
    Storage *a = nullptr, *b = nullptr, *c = nullptr;
    if (!ReadJob(info, &job, &a, &b, &c)) return info.Env().Undefined();
    RunJob(job, a->data(), b->data(), c->data(), c->byte_length());
    return info.Env().Undefined();
  });
}

class GemmWorker : public PromiseWorker {
 public:
  GemmWorker(Napi::Env env, GemmJob job, const Napi::CallbackInfo& info, Storage* a, Storage* b,
             Storage* c)
      : PromiseWorker(env, "nnbench:matmul"),
        job_(std::move(job)),
        a_(env, info[0].As<Napi::Object>(), a),
        b_(env, info[1].As<Napi::Object>(), b),
        c_(env, info[2].As<Napi::Object>(), c) {}

 protected:
  void Run() override { RunJob(job_, a_.data(), b_.data(), c_.data(), c_.byte_length()); }

 private:
  GemmJob job_;
  StoragePin a_;
  StoragePin b_;
  StoragePin c_;
};

// gemmAsync(a, b, out, dtype, m, n, k, offsets?): Promise<void>, computed on the libuv pool.
Napi::Value GemmAsync(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    GemmJob job;
    Storage *a = nullptr, *b = nullptr, *c = nullptr;
    if (!ReadJob(info, &job, &a, &b, &c)) return info.Env().Undefined();
    return QueuePromise(new GemmWorker(info.Env(), std::move(job), info, a, b, c));
  });
}

// setGemmThreads(n): threads a product may use (1..1024).
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    uint64_t n = 0;
    if (!GetIndex(info, 0, "threads", &n)) return info.Env().Undefined();
    if (n < 1 || n > 1024) {
      Napi::RangeError::New(info.Env(), "threads must be an integer from 1 to 1024")
          .ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    gk::SetNumThreads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), gk::GetNumThreads());
}

// setGemmIsa(name): true when the kernel now uses that ISA, false when this CPU cannot run it.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    gk::Isa isa;
    if (info.Length() < 1 || !info[0].IsString() ||
        !gk::ParseIsa(info[0].As<Napi::String>().Utf8Value().c_str(), &isa)) {
      ThrowArgError(info.Env(), "isa", "\"portable\", \"avx2\" or \"avx512\"");
      return info.Env().Undefined();
    }
    return Napi::Boolean::New(info.Env(), gk::SetIsa(isa));
  });
}

std::string TileName(const gk::TileInfo& t) {
  return std::to_string(t.mr) + "x" + std::to_string(t.nr);
}

Napi::Object BlockingOf(Napi::Env env, const gk::TileInfo& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mr", t.mr);
  o.Set("nr", t.nr);
  o.Set("kc", t.kc);
  o.Set("mc", t.mc);
  o.Set("nc", t.nc);
  o.Set("fewColumns", t.few_columns);
  return o;
}

// gemmInfo(): the kernel in use and what the CPU supports.
Napi::Value Info(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("isa", gk::IsaName(gk::ActiveIsa()));
    out.Set("detectedIsa", gk::IsaName(gk::DetectIsa()));
    Napi::Array available = Napi::Array::New(env);
    uint32_t count = 0;
    for (gk::Isa isa : {gk::Isa::kPortable, gk::Isa::kAvx2, gk::Isa::kAvx512}) {
      if (static_cast<int>(isa) <= static_cast<int>(gk::DetectIsa())) {
        available.Set(count++, gk::IsaName(isa));
      }
    }
    out.Set("availableIsas", available);
    const gk::TileInfo f32 = gk::SgemmTile();
    const gk::TileInfo f64 = gk::DgemmTile();
    out.Set("float32Tile", TileName(f32));
    out.Set("float64Tile", TileName(f64));
    out.Set("float32Blocking", BlockingOf(env, f32));
    out.Set("float64Blocking", BlockingOf(env, f64));
    // Paths of products with 16-bit weights: few columns (1..16) and wider.
    Napi::Object half = Napi::Object::New(env);
    for (DType weights : {DType::kBfloat16, DType::kFloat16}) {
      Napi::Object paths = Napi::Object::New(env);
      paths.Set("fewColumns", gk::HalfPath(weights, 1));
      paths.Set("wide", gk::HalfPath(weights, 1 << 30));
      paths.Set("conversion", gk::ConvertPath(weights));
      half.Set(weights == DType::kBfloat16 ? "bfloat16" : "float16", paths);
    }
    out.Set("halfWeights", half);
    out.Set("threads", gk::GetNumThreads());
#if defined(__clang__)
    out.Set("compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
    out.Set("compiler", std::string("gcc ") + __VERSION__);
#else
    out.Set("compiler", "unknown");
#endif
    return out;
  });
}

// fmaPeak(seconds, threads): measured multiply-add throughput of this machine in GFLOP/s.
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      ThrowArgError(env, "seconds", "a number from 0.001 to 60");
      return env.Undefined();
    }
    const double seconds = info[0].As<Napi::Number>().DoubleValue();
    if (!(seconds >= 0.001 && seconds <= 60)) {
      ThrowArgError(env, "seconds", "a number from 0.001 to 60");
      return env.Undefined();
    }
    uint64_t threads = 0;
    if (!GetIndex(info, 1, "threads", &threads)) return env.Undefined();
    if (threads < 1 || threads > 1024) {
      ThrowArgError(env, "threads", "an integer from 1 to 1024");
      return env.Undefined();
    }
    // An optional third argument names 16-bit weights: the peak of their few-column kernel.
    if (info.Length() > 2 && !info[2].IsUndefined()) {
      const std::string weights = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
      if (weights != "bfloat16" && weights != "float16") {
        ThrowArgError(env, "weights", "\"bfloat16\" or \"float16\"");
        return env.Undefined();
      }
      const DType dtype = weights == "bfloat16" ? DType::kBfloat16 : DType::kFloat16;
      return Napi::Number::New(env, gk::HalfPeakGflops(dtype, seconds, static_cast<int>(threads)));
    }
    return Napi::Number::New(env, gk::FmaPeakGflops(seconds, static_cast<int>(threads)));
  });
}

}  // namespace

void InitMatmul(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("gemmAsync", Napi::Function::New(env, GemmAsync, "gemmAsync"));
  exports.Set("setGemmThreads", Napi::Function::New(env, SetThreads, "setGemmThreads"));
  exports.Set("getGemmThreads", Napi::Function::New(env, GetThreads, "getGemmThreads"));
  exports.Set("setGemmIsa", Napi::Function::New(env, SetIsa, "setGemmIsa"));
  exports.Set("gemmInfo", Napi::Function::New(env, Info, "gemmInfo"));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak, "fmaPeak"));
}

}  // namespace nnbench
