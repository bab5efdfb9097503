// Errors thrown or rejected by the addon carry a `code` the TS wrapper maps
// onto NativeError: EINVAL (bad argument), EUNSUPPORTED (type without a
// kernel), EABORT (cancelled), ENOMEM (allocation failed).
#pragma once
#include <napi.h>

#include <string>

namespace tessera {

inline Napi::Error coded_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

// Throws into JS (C++ exceptions are disabled) and returns undefined for the
// caller to return.
inline Napi::Value throw_coded(Napi::Env env, const char* code, const std::string& message) {
  coded_error(env, code, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tessera
