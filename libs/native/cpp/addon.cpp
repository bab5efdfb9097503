// Module entry. Binding groups register themselves (bindings/registry.h);
// this file only hands them the exports object.
#include <napi.h>

#include "bindings/registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  tessera::init_registered_bindings(env, exports);
  return exports;
}

NODE_API_MODULE(tessera_native, Init)
