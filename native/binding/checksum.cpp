// CRC-32 bindings (native/core/crc32.h): over bytes JavaScript holds or native storage exposes,
// and the combination of two CRCs.
#include <napi.h>

#include <cstdint>
#include <string>

#include "../core/crc32.h"
#include "common.h"

namespace nnbench {

namespace {

constexpr Crc32Kind kKinds[] = {Crc32Kind::kVpclmulqdq, Crc32Kind::kPclmulqdq, Crc32Kind::kTable};

/** Reads an optional implementation name; the active one when absent. */
bool GetKind(const Napi::CallbackInfo& info, size_t i, Crc32Kind* out) {
  *out = Crc32Active();
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  if (info[i].IsString()) {
    const std::string name = info[i].As<Napi::String>().Utf8Value();
    for (Crc32Kind kind : kKinds) {
      if (name == Crc32KindName(kind) && Crc32Supported(kind)) {
        *out = kind;
        return true;
      }
    }
  }
  Napi::RangeError::New(info.Env(), "implementation must be one of crc32Implementations()")
      .ThrowAsJavaScriptException();
  return false;
}

// crc32(data, value = 0, implementation?): zlib's crc32(value, data) over a typed array or view.
Napi::Value Crc32Binding(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray()) {
      ThrowArgError(env, "data", "a Uint8Array");
      return env.Undefined();
    }
    Napi::TypedArray view = info[0].As<Napi::TypedArray>();
    uint32_t crc = 0;
    Crc32Kind kind = Crc32Kind::kTable;
    if (!GetOptionalCrc(info, 1, "value", &crc) || !GetKind(info, 2, &kind)) return env.Undefined();
    const size_t bytes = view.ByteLength();
    // A detached or empty view has no bytes to read (and possibly no buffer at all).
    if (bytes == 0) return Napi::Number::New(env, crc);
    const auto* data = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    return Napi::Number::New(env, Crc32With(kind, crc, data, bytes));
  });
}

// crc32Combine(crcA, crcB, lengthB): the CRC-32 of A followed by B.
Napi::Value Crc32CombineBinding(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    uint32_t a = 0;
    uint32_t b = 0;
    uint64_t length = 0;
    if (!GetOptionalCrc(info, 0, "crcA", &a) || !GetOptionalCrc(info, 1, "crcB", &b) ||
        !GetIndex(info, 2, "lengthB", &length)) {
      return env.Undefined();
    }
    return Napi::Number::New(env, Crc32Combine(a, b, length));
  });
}

// crc32Implementations(): the implementations this machine runs, the one crc32 uses first.
Napi::Value Crc32Implementations(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Array out = Napi::Array::New(info.Env());
    uint32_t count = 0;
    out.Set(count++, Crc32KindName(Crc32Active()));
    for (Crc32Kind kind : kKinds) {
      if (kind != Crc32Active() && Crc32Supported(kind)) out.Set(count++, Crc32KindName(kind));
    }
    return out;
  });
}

}  // namespace

void InitChecksum(Napi::Env env, Napi::Object exports) {
  exports.Set("crc32", Napi::Function::New<Crc32Binding>(env, "crc32"));
  exports.Set("crc32Combine", Napi::Function::New<Crc32CombineBinding>(env, "crc32Combine"));
  exports.Set("crc32Implementations",
              Napi::Function::New<Crc32Implementations>(env, "crc32Implementations"));
}

}  // namespace nnbench
