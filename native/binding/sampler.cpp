// MemorySampler for JavaScript: the sampling thread of native/core/sampler.h, plus a V8 GC prologue hook
// that publishes the heap and external bytes just before each collection (where they peak).
#include <v8.h>

#include <memory>
#include <string>

#include "../core/sampler.h"
#include "common.h"
#include "storage.h"

namespace nnbench {

namespace {

/** Phases a benchmark goes through, as numbered in samples. */
constexpr int32_t kMaxPhase = 16;

class SamplerWrap : public Napi::ObjectWrap<SamplerWrap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "MemorySampler",
                       {
                           InstanceMethod<&SamplerWrap::Start>("start"),
                           InstanceMethod<&SamplerWrap::Stop>("stop"),
                           InstanceMethod<&SamplerWrap::Reset>("reset"),
                           InstanceMethod<&SamplerWrap::Mark>("mark"),
                           InstanceMethod<&SamplerWrap::PeaksOf>("peaks"),
                           InstanceMethod<&SamplerWrap::Samples>("takeSamples"),
                           InstanceMethod<&SamplerWrap::KillAbove>("killAbove"),
                           InstanceAccessor<&SamplerWrap::Running>("running"),
                       });
  }

  explicit SamplerWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SamplerWrap>(info),
        sampler_(std::make_unique<MemorySampler>([] { return ReadMemoryStats().bytes; })),
        isolate_(v8::Isolate::GetCurrent()) {}

  ~SamplerWrap() override { Detach(); }

 private:
  static void OnGc(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
    v8::HeapStatistics hs;
    isolate->GetHeapStatistics(&hs);
    static_cast<MemorySampler*>(data)->PublishV8(static_cast<int64_t>(hs.external_memory()),
                                                 static_cast<int64_t>(hs.used_heap_size()));
  }

  void Attach() {
    if (hooked_ || isolate_ == nullptr) return;
    isolate_->AddGCPrologueCallback(&SamplerWrap::OnGc, sampler_.get());
    hooked_ = true;
  }

  void Detach() noexcept {
    if (hooked_) isolate_->RemoveGCPrologueCallback(&SamplerWrap::OnGc, sampler_.get());
    hooked_ = false;
    sampler_->Stop();
  }

  // start(intervalUs, capacity, keepSamples) -> boolean
  Napi::Value Start(const Napi::CallbackInfo& info) {
    return Guarded(info, [this](const Napi::CallbackInfo& info) -> Napi::Value {
      uint64_t interval = 0, capacity = 0;
      bool keep = false;
      if (!GetIndex(info, 0, "intervalUs", &interval) || !GetIndex(info, 1, "capacity", &capacity) ||
          !GetBool(info, 2, "keepSamples", &keep))
        return info.Env().Undefined();
      if (interval < 100 || interval > 60000000) {
        Napi::RangeError::New(info.Env(), "argument 'intervalUs' must be between 100 and 60000000").ThrowAsJavaScriptException();
        return info.Env().Undefined();
      }
      if (capacity < 2 || capacity > (uint64_t{1} << 24)) {
        Napi::RangeError::New(info.Env(), "argument 'capacity' must be between 2 and 16777216").ThrowAsJavaScriptException();
        return info.Env().Undefined();
      }
      sampler_->Stop();
      const bool ok = sampler_->Start(static_cast<uint32_t>(interval), static_cast<size_t>(capacity), keep);
      if (ok) Attach();
      return Napi::Boolean::New(info.Env(), ok);
    });
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Detach();
    return info.Env().Undefined();
  }

  // reset(): new clock, empty buffer, peaks from the readings now.
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    Publish(info, 0);
    sampler_->Reset();
    return info.Env().Undefined();
  }

  // mark(phase, externalBytes, heapBytes) -> ms since reset; publishes the V8 figures and samples now.
  Napi::Value Mark(const Napi::CallbackInfo& info) {
    uint64_t phase = 0;
    if (!GetIndex(info, 0, "phase", &phase)) return info.Env().Undefined();
    if (phase >= static_cast<uint64_t>(kMaxPhase)) {
      ThrowArgError(info.Env(), "phase", "a small phase number");
      return info.Env().Undefined();
    }
    if (!Publish(info, 1)) return info.Env().Undefined();
    sampler_->SetPhase(static_cast<int32_t>(phase));
    const int64_t t = sampler_->SampleNow();
    return Napi::Number::New(info.Env(), static_cast<double>(t) / 1e6);
  }

  // Reads optional (externalBytes, heapBytes) at `first`; publishes them when present.
  bool Publish(const Napi::CallbackInfo& info, size_t first) {
    if (info.Length() <= first || info[first].IsUndefined()) return true;
    uint64_t external = 0, heap = 0;
    if (!GetIndex(info, first, "externalBytes", &external) || !GetIndex(info, first + 1, "heapBytes", &heap)) return false;
    sampler_->PublishV8(static_cast<int64_t>(external), static_cast<int64_t>(heap));
    return true;
  }

  Napi::Value PeaksOf(const Napi::CallbackInfo& info) {
    const MemoryPeaks p = sampler_->Peaks();
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("rssBytes", Napi::Number::New(env, static_cast<double>(p.rss)));
    out.Set("nativeBytes", Napi::Number::New(env, static_cast<double>(p.native)));
    out.Set("externalBytes", Napi::Number::New(env, static_cast<double>(p.external)));
    out.Set("heapBytes", Napi::Number::New(env, static_cast<double>(p.heap)));
    return out;
  }

  // takeSamples() -> { tMs, rss, native, external: Float64Array; phase: Int32Array }
  Napi::Value Samples(const Napi::CallbackInfo& info) {
    return Guarded(info, [this](const Napi::CallbackInfo& info) -> Napi::Value {
      Napi::Env env = info.Env();
      const std::vector<MemorySample> samples = sampler_->TakeSamples();
      const size_t n = samples.size();
      auto t = Napi::Float64Array::New(env, n);
      auto rss = Napi::Float64Array::New(env, n);
      auto native = Napi::Float64Array::New(env, n);
      auto external = Napi::Float64Array::New(env, n);
      auto phase = Napi::Int32Array::New(env, n);
      for (size_t i = 0; i < n; i++) {
        t[i] = static_cast<double>(samples[i].t_ns) / 1e6;
        rss[i] = static_cast<double>(samples[i].rss);
        native[i] = static_cast<double>(samples[i].native);
        external[i] = static_cast<double>(samples[i].external);
        phase[i] = samples[i].phase;
      }
      Napi::Object out = Napi::Object::New(env);
      out.Set("tMs", t);
      out.Set("rss", rss);
      out.Set("native", native);
      out.Set("external", external);
      out.Set("phase", phase);
      return out;
    });
  }

  // killAbove(bytes, message): 0 turns the guard off.
  Napi::Value KillAbove(const Napi::CallbackInfo& info) {
    return Guarded(info, [this](const Napi::CallbackInfo& info) -> Napi::Value {
      uint64_t bytes = 0;
      if (!GetIndex(info, 0, "bytes", &bytes)) return info.Env().Undefined();
      if (info.Length() < 2 || !info[1].IsString()) {
        ThrowArgError(info.Env(), "message", "a string");
        return info.Env().Undefined();
      }
      sampler_->SetKillAbove(static_cast<int64_t>(bytes), info[1].As<Napi::String>().Utf8Value());
      return info.Env().Undefined();
    });
  }

  Napi::Value Running(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), sampler_->running()); }

  std::unique_ptr<MemorySampler> sampler_;
  v8::Isolate* isolate_;
  bool hooked_ = false;
};

Napi::Value ResidentBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReadResidentBytes()));
}

}  // namespace

void InitSampler(Napi::Env env, Napi::Object exports) {
  exports.Set("MemorySampler", SamplerWrap::Init(env));
  exports.Set("residentBytes", Napi::Function::New<ResidentBytes>(env, "residentBytes"));
}

}  // namespace nnbench
