// Binding groups register themselves here at static-initialization time, so
// adding a group (quantization, the model forward pass, ...) means adding a
// file with TESSERA_REGISTER_BINDINGS and touching nothing else.
//
//   static void InitMyGroup(Napi::Env env, Napi::Object exports) { ... }
//   TESSERA_REGISTER_BINDINGS(my_group, InitMyGroup)
#pragma once
#include <napi.h>

namespace tessera {

using BindingInit = void (*)(Napi::Env env, Napi::Object exports);

struct BindingRegistrar {
  BindingRegistrar(const char* name, BindingInit init);
};

// Calls every registered group's init on the module's exports.
void init_registered_bindings(Napi::Env env, Napi::Object exports);

}  // namespace tessera

#define TESSERA_REGISTER_BINDINGS(name, init) \
  static ::tessera::BindingRegistrar tessera_bindings_registrar_##name(#name, init);
