// Module entry: registers each binding group. Groups live in their own files
// (bindings_*.cpp) and expose an Init function declared in bindings.h.
#include <napi.h>

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

NODE_API_MODULE(tessera_native, Init)
