// _injectFault(kind, count, skip?): arms fault injection (native/core/fault.h) for tests. Internal:
// not part of the package's API.
#include <napi.h>

#include <string>

#include "../core/fault.h"
#include "common.h"

namespace nnbench {

namespace {

bool ParseFault(const Napi::Value& value, Fault* out) {
  if (!value.IsString()) return false;
  const std::string name = value.As<Napi::String>().Utf8Value();
  if (name == "alloc") {
    *out = Fault::kAlloc;
  } else if (name == "thread") {
    *out = Fault::kThread;
  } else {
    return false;
  }
  return true;
}

// _injectFault("alloc" | "thread", count, skip = 0): the `count` allocations or thread creations
// after the next `skip` fail; count 0 disarms.
Napi::Value InjectFault(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    Fault kind = Fault::kAlloc;
    if (info.Length() < 1 || !ParseFault(info[0], &kind)) {
      ThrowArgError(env, "kind", "\"alloc\" or \"thread\"");
      return env.Undefined();
    }
    uint64_t count = 0;
    uint64_t skip = 0;
    if (!GetIndex(info, 1, "count", &count)) return env.Undefined();
    if (info.Length() > 2 && !info[2].IsUndefined() && !GetIndex(info, 2, "skip", &skip)) {
      return env.Undefined();
    }
    if (count > 1000000 || skip > 1000000) {
      ThrowArgError(env, "count", "at most 1000000, and so must skip be");
      return env.Undefined();
    }
    ArmFault(kind, static_cast<int>(skip), static_cast<int>(count));
    return env.Undefined();
  });
}

}  // namespace

void InitFault(Napi::Env env, Napi::Object exports) {
  exports.Set("_injectFault", Napi::Function::New<InjectFault>(env, "_injectFault"));
}

}  // namespace nnbench
