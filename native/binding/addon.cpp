// The addon's entry point: each binding file registers its functions on `exports`.
#include <napi.h>

namespace nnbench {
void InitStorage(Napi::Env env, Napi::Object exports);
void InitIo(Napi::Env env, Napi::Object exports);
void InitMatmul(Napi::Env env, Napi::Object exports);
void InitFault(Napi::Env env, Napi::Object exports);
void InitChecksum(Napi::Env env, Napi::Object exports);
void InitSampler(Napi::Env env, Napi::Object exports);
}  // namespace nnbench

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  nnbench::InitStorage(env, exports);
  nnbench::InitIo(env, exports);
  nnbench::InitMatmul(env, exports);
  nnbench::InitChecksum(env, exports);
  nnbench::InitFault(env, exports);
  nnbench::InitSampler(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nnbench, Init)
