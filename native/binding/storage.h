// Tensor storage: one native buffer, one owner, exact accounting.
//
// A Storage (a JavaScript object) owns a Block. The Block's bytes are exposed to JavaScript through
// at most one external ArrayBuffer, created when first asked for and held by the Storage. Lifetime
// rules:
//   - dispose() detaches that ArrayBuffer (every view over it reads as length 0) and frees the bytes
//     at once, or, while an async operation has the storage pinned, as soon as the last pin is gone;
//   - without dispose(), the bytes are freed when the ArrayBuffer is garbage-collected, which cannot
//     happen while the Storage or any view over it is reachable (or, when no ArrayBuffer was ever
//     made, when the Storage is collected);
//   - when a Node environment (a worker) shuts down, every Block it still holds is freed.
// So JavaScript can never read freed memory, and every byte is freed exactly once.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>

#include "../core/alloc.h"

namespace nnbench {

/** Process-wide figures on tensor storage (every environment, every worker). */
struct MemoryStats {
  int64_t bytes;
  int64_t peak_bytes;
  int64_t tensors;
};

MemoryStats ReadMemoryStats();
void ResetPeak();

struct Registry;

/** The native side of one tensor's bytes. Only touched on its environment's JavaScript thread. */
struct Block {
  AlignedBuffer buffer;
  size_t bytes = 0;           // bytes as counted (elements x item size)
  int pins = 0;               // async operations that use the bytes now
  bool released = false;      // dispose() was called or the environment shut down
  int holders = 1;            // the Storage, plus the ArrayBuffer once made; the last deletes it
  std::shared_ptr<Registry> registry;
};

class Storage : public Napi::ObjectWrap<Storage> {
 public:
  static Napi::Function Init(Napi::Env env);

  /**
   * new Storage(byteLength: number, zero: boolean) allocates;
   * new Storage(byteLength, false, fd, position) maps that range of an open file copy-on-write.
   */
  explicit Storage(const Napi::CallbackInfo& info);
  ~Storage() override;

  /**
   * Returns the live Storage behind `value`, or throws a JavaScript error naming `what` (not a
   * storage, or disposed) and returns nullptr.
   */
  static Storage* FromValue(Napi::Env env, Napi::Value value, const char* what);

  uint8_t* data() const { return block_->buffer.data(); }
  size_t byte_length() const { return block_->bytes; }
  bool disposed() const { return block_->released; }

  /** Keeps the bytes from being freed until the matching Unpin, even across dispose(). */
  void Pin() { ++block_->pins; }
  void Unpin(Napi::Env env);

 private:
  /** The constructor's work; may throw before anything is counted. */
  void Construct(const Napi::CallbackInfo& info);
  Napi::Value ArrayBufferOf(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  Block* block_ = nullptr;  // shared with the ArrayBuffer's finalizer; see Block::holders
  Napi::Reference<Napi::ArrayBuffer> buffer_;
};

/**
 * Pins a storage for the duration of an async operation and keeps its JavaScript object alive.
 * Create and destroy it on the JavaScript thread (an AsyncWorker's constructor and destructor).
 */
class StoragePin {
 public:
  StoragePin(Napi::Env env, Napi::Object object, Storage* storage);
  StoragePin(const StoragePin&) = delete;
  StoragePin& operator=(const StoragePin&) = delete;
  ~StoragePin();

  uint8_t* data() const { return data_; }
  size_t byte_length() const { return bytes_; }

 private:
  Napi::Env env_;
  Napi::ObjectReference object_;
  Storage* storage_;
  uint8_t* data_;
  size_t bytes_;
};

/** Registers Storage, memory accounting and the environment cleanup hook on `exports`. */
void InitStorage(Napi::Env env, Napi::Object exports);

}  // namespace nnbench
