#include "registry.h"

#include <vector>

namespace tessera {

namespace {

struct Entry {
  const char* name;
  BindingInit init;
};

// Function-local so it exists before any registrar runs, whatever the order
// of static initialization across files.
std::vector<Entry>& entries() {
  static std::vector<Entry> list;
  return list;
}

}  // namespace

BindingRegistrar::BindingRegistrar(const char* name, BindingInit init) { entries().push_back({name, init}); }

void init_registered_bindings(Napi::Env env, Napi::Object exports) {
  Napi::Array groups = Napi::Array::New(env, entries().size());
  uint32_t i = 0;
  for (const Entry& e : entries()) {
    e.init(env, exports);
    groups.Set(i++, Napi::String::New(env, e.name));
  }
  exports.Set("bindingGroups", groups);
}

}  // namespace tessera
