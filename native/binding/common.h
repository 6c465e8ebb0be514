// Argument checks and error conversion shared by every binding file. Bindings are compiled with
// NAPI_DISABLE_CPP_EXCEPTIONS: a failing check throws a pending JavaScript exception and returns.
#pragma once

#include <napi.h>

#include <cstdint>
#include <exception>
#include <string>

namespace nnbench {

/** Throws a TypeError naming the argument and what it should have been. */
inline void ThrowArgError(Napi::Env env, const char* name, const char* expected) {
  Napi::TypeError::New(env, std::string("argument '") + name + "' must be " + expected)
      .ThrowAsJavaScriptException();
}

/** Reads a non-negative integer that fits a double exactly; throws and returns false otherwise. */
inline bool GetIndex(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t* out) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowArgError(env, name, "a non-negative integer");
    return false;
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > 9007199254740991.0 || v != static_cast<double>(static_cast<uint64_t>(v))) {
    ThrowArgError(env, name, "a non-negative integer");
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

/** Reads a boolean argument; throws and returns false otherwise. */
inline bool GetBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out) {
  if (info.Length() <= i || !info[i].IsBoolean()) {
    ThrowArgError(info.Env(), name, "a boolean");
    return false;
  }
  *out = info[i].As<Napi::Boolean>().Value();
  return true;
}

/** Reads an optional CRC-32 value (an integer 0..2^32-1); 0 when absent or undefined. */
inline bool GetOptionalCrc(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t* out) {
  *out = 0;
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  uint64_t v = 0;
  if (!GetIndex(info, i, name, &v) || v > 0xFFFFFFFFu) {
    if (!info.Env().IsExceptionPending()) ThrowArgError(info.Env(), name, "a CRC-32 (0 to 2^32-1)");
    return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

/**
 * Runs a binding body and turns any C++ exception into a JavaScript Error, so that none escapes
 * into Node-API.
 */
template <typename Fn>
Napi::Value Guarded(const Napi::CallbackInfo& info, Fn&& body) {
  try {
    return body(info);
  } catch (const std::bad_alloc&) {
    Napi::Error::New(info.Env(), "out of memory").ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(info.Env(), e.what()).ThrowAsJavaScriptException();
  } catch (...) {
    Napi::Error::New(info.Env(), "unknown native error").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

}  // namespace nnbench
