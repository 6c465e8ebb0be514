// The one shape of every async binding: work on the libuv pool that settles a promise. Run() may
// throw; any exception becomes a rejected promise, so none escapes into Node-API.
#pragma once

#include <napi.h>

#include <exception>
#include <new>

namespace nnbench {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  /** The promise, or an empty value when it could not be made (a JavaScript error is pending). */
  Napi::Value Promise() const { return Napi::Value(Env(), promise_); }

 protected:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name) {
    napi_value promise = nullptr;
    if (napi_create_promise(env, &deferred_, &promise) == napi_ok) promise_ = promise;
  }

  /** The work, on a libuv thread: no JavaScript here. Throw, or call SetError, to reject. */
  virtual void Run() = 0;

  /** The value the promise resolves to; undefined unless overridden. Runs on the JS thread. */
  virtual napi_value Result(napi_env env) {
    napi_value value = nullptr;
    napi_get_undefined(env, &value);
    return value;
  }

 private:
  void Execute() final {
    try {
      Run();
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown native error");
    }
  }

  // Settled through the C API without checking the status: while a worker thread's environment
  // shuts down, settling fails, and node-addon-api's wrappers would make that a fatal error. The
  // worker's members (pins) still release what they hold in the destructor.
  void OnOK() final { napi_resolve_deferred(Env(), deferred_, Result(Env())); }
  void OnError(const Napi::Error& e) final { napi_reject_deferred(Env(), deferred_, e.Value()); }

  napi_deferred deferred_ = nullptr;
  napi_value promise_ = nullptr;
};

/**
 * Queues `worker` and returns its promise; when no promise could be made, deletes the worker and
 * returns undefined with the JavaScript error pending.
 */
inline Napi::Value QueuePromise(PromiseWorker* worker) {
  Napi::Value promise = worker->Promise();
  if (promise.IsEmpty()) {
    Napi::Env env = worker->Env();
    delete worker;
    return env.Undefined();
  }
  worker->Queue();
  return promise;
}

}  // namespace nnbench
