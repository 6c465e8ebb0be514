#include "storage.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <unordered_set>
#include <utility>

#include "../core/fault.h"
#include "common.h"

namespace nnbench {

namespace {

std::atomic<int64_t> g_bytes{0};
std::atomic<int64_t> g_peak{0};
std::atomic<int64_t> g_tensors{0};

void CountAllocation(int64_t bytes) {
  const int64_t now = g_bytes.fetch_add(bytes) + bytes;
  int64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  g_tensors.fetch_add(1);
}

void CountFree(int64_t bytes) {
  g_bytes.fetch_sub(bytes);
  g_tensors.fetch_sub(1);
}

}  // namespace

/** The blocks of one environment that still hold memory, freed by its cleanup hook. */
struct Registry {
  std::unordered_set<Block*> live;
  bool closed = false;
};

/** Per-environment state: the Storage constructor and the live blocks. */
struct AddonData {
  Napi::FunctionReference storage_ctor;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
};

namespace {

AddonData* DataOf(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

// Frees the bytes of a block once: accounting, V8 external memory, registry.
void FreeBytes(Napi::Env* env, Block* block) {
  if (!block->buffer) return;
  const auto bytes = static_cast<int64_t>(block->bytes);
  block->buffer.Reset();
  CountFree(bytes);
  block->registry->live.erase(block);
  if (env != nullptr && bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(*env, -bytes);
}

// Drops one of the Block's holders (its Storage, and its ArrayBuffer once there is one); the last
// one deletes it.
void ReleaseBlock(Block* block) {
  if (--block->holders == 0) delete block;
}

// Finalizer of the external ArrayBuffer. It runs when the ArrayBuffer is collected, and also soon
// after dispose() detaches it, while the Storage (and maybe a pinned async operation) still uses
// the Block: so the bytes stay while pinned, and the Block outlives whichever holder is left.
void FinalizeBlock(Napi::Env env, void* /*data*/, Block* block) {
  block->released = true;
  // After the environment shut down, its cleanup hook already freed the bytes.
  if (!block->registry->closed && block->pins == 0) FreeBytes(&env, block);
  ReleaseBlock(block);
}

void CleanupEnvironment(std::shared_ptr<Registry>* registry_ptr) {
  std::shared_ptr<Registry> registry = std::move(*registry_ptr);
  delete registry_ptr;
  // Copy first: FreeBytes erases from the set.
  std::vector<Block*> blocks(registry->live.begin(), registry->live.end());
  for (Block* block : blocks) {
    block->released = true;
    FreeBytes(nullptr, block);
  }
  registry->closed = true;
}

}  // namespace

MemoryStats ReadMemoryStats() { return {g_bytes.load(), g_peak.load(), g_tensors.load()}; }

void ResetPeak() { g_peak.store(g_bytes.load()); }

Napi::Function Storage::Init(Napi::Env env) {
  return DefineClass(env, "Storage",
                     {
                         InstanceMethod<&Storage::ArrayBufferOf>("arrayBuffer"),
                         InstanceMethod<&Storage::Dispose>("dispose"),
                         InstanceAccessor<&Storage::ByteLength>("byteLength"),
                         InstanceAccessor<&Storage::Disposed>("disposed"),
                     });
}

Storage::Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
  // A constructor that throws would let the exception escape into Node-API: turn it into a
  // JavaScript error, as Guarded does for functions.
  Napi::Env env = info.Env();
  try {
    Construct(info);
  } catch (const std::bad_alloc&) {
    Napi::Error::New(env, "out of memory").ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  } catch (...) {
    Napi::Error::New(env, "unknown native error").ThrowAsJavaScriptException();
  }
}

void Storage::Construct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t bytes = 0;
  bool zero = false;
  if (!GetIndex(info, 0, "byteLength", &bytes) || !GetBool(info, 1, "zero", &zero)) return;
  AlignedBuffer buffer;
  if (info.Length() > 2) {
    // new Storage(byteLength, zero, fd, position): map the file's bytes instead of allocating.
    uint64_t fd = 0;
    uint64_t position = 0;
    if (!GetIndex(info, 2, "fd", &fd) || !GetIndex(info, 3, "position", &position)) return;
    if (fd > 0x7fffffff) {
      ThrowArgError(env, "fd", "a file descriptor");
      return;
    }
    buffer = AlignedBuffer::MapFile(static_cast<int>(fd), position, static_cast<size_t>(bytes));
    if (!buffer) {
      Napi::Error::New(env, "cannot map " + std::to_string(bytes) + " bytes of the file at offset " +
                                std::to_string(position) + ": " + std::strerror(errno))
          .ThrowAsJavaScriptException();
      return;
    }
  } else {
    buffer = AlignedBuffer::Allocate(static_cast<size_t>(bytes), zero);
  }
  if (!buffer) {
    Napi::RangeError::New(env, "cannot allocate " + std::to_string(bytes) + " bytes of native memory")
        .ThrowAsJavaScriptException();
    return;
  }
  // Everything that can throw comes first; should it throw, `block` and `buffer` free what they
  // hold and nothing has been counted.
  auto block = std::make_unique<Block>();
  block->registry = DataOf(env)->registry;
  block->buffer = std::move(buffer);
  block->bytes = static_cast<size_t>(bytes);
  FailIfArmed(Fault::kAlloc);  // where the registry grows
  block->registry->live.insert(block.get());
  // Nothing below throws.
  CountAllocation(static_cast<int64_t>(bytes));
  if (bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  block_ = block.release();
}

Storage::~Storage() {
  if (block_ == nullptr) return;
  if (buffer_.IsEmpty()) {
    // No ArrayBuffer ever exposed the bytes, so nothing else can reach them: free them now.
    block_->released = true;
    if (!block_->registry->closed && block_->pins == 0) {
      Napi::Env env = Env();
      FreeBytes(&env, block_);
    }
  }
  ReleaseBlock(block_);
}

Storage* Storage::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsObject()) {
    ThrowArgError(env, what, "a tensor storage");
    return nullptr;
  }
  Napi::Object object = value.As<Napi::Object>();
  if (!object.InstanceOf(DataOf(env)->storage_ctor.Value())) {
    ThrowArgError(env, what, "a tensor storage");
    return nullptr;
  }
  Storage* storage = Storage::Unwrap(object);
  if (storage == nullptr || storage->block_ == nullptr) {
    ThrowArgError(env, what, "a tensor storage");
    return nullptr;
  }
  if (storage->block_->released) {
    Napi::Error::New(env, std::string(what) + ": tensor is disposed").ThrowAsJavaScriptException();
    return nullptr;
  }
  return storage;
}

void Storage::Unpin(Napi::Env env) {
  if (block_->pins > 0) --block_->pins;
  if (block_->pins == 0 && block_->released) FreeBytes(&env, block_);
}

Napi::Value Storage::ArrayBufferOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (block_ == nullptr || block_->released) {
    // A disposed storage hands out an empty buffer; JavaScript raises the typed error.
    return Napi::ArrayBuffer::New(env, 0);
  }
  if (buffer_.IsEmpty()) {
    // Created on first use: tensors that are never viewed (outputs disposed unread) skip it.
    Napi::ArrayBuffer ab =
        Napi::ArrayBuffer::New(env, block_->buffer.data(), block_->bytes, FinalizeBlock, block_);
    if (env.IsExceptionPending()) return env.Undefined();
    // From here on the ArrayBuffer's finalizer holds the Block too.
    ++block_->holders;
    buffer_ = Napi::Persistent(ab);
  }
  return buffer_.Value();
}

Napi::Value Storage::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (block_ == nullptr || block_->released) return env.Undefined();
  block_->released = true;
  // Detach first, so every view over the bytes reads as empty before they are freed.
  if (!buffer_.IsEmpty()) {
    Napi::ArrayBuffer ab = buffer_.Value();
    if (!ab.IsDetached()) ab.Detach();
  }
  if (block_->pins == 0) FreeBytes(&env, block_);
  return env.Undefined();
}

Napi::Value Storage::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(block_ == nullptr ? 0 : block_->bytes));
}

Napi::Value Storage::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), block_ == nullptr || block_->released);
}

StoragePin::StoragePin(Napi::Env env, Napi::Object object, Storage* storage)
    : env_(env),
      object_(Napi::Persistent(object)),
      storage_(storage),
      data_(storage->data()),
      bytes_(storage->byte_length()) {
  storage_->Pin();
}

StoragePin::~StoragePin() { storage_->Unpin(env_); }

namespace {

Napi::Value NativeMemory(const Napi::CallbackInfo& info) {
  const MemoryStats stats = ReadMemoryStats();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(stats.bytes)));
  out.Set("peakBytes", Napi::Number::New(info.Env(), static_cast<double>(stats.peak_bytes)));
  out.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(stats.tensors)));
  return out;
}

Napi::Value ResetNativePeak(const Napi::CallbackInfo& info) {
  ResetPeak();
  return info.Env().Undefined();
}

}  // namespace

void InitStorage(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  Napi::Function ctor = Storage::Init(env);
  data->storage_ctor = Napi::Persistent(ctor);
  exports.Set("Storage", ctor);
  exports.Set("nativeMemory", Napi::Function::New<NativeMemory>(env, "nativeMemory"));
  exports.Set("resetNativePeak", Napi::Function::New<ResetNativePeak>(env, "resetNativePeak"));
  env.AddCleanupHook(CleanupEnvironment, new std::shared_ptr<Registry>(data->registry));
}

}  // namespace nnbench
