#include "output_arg.h"

#include <cstdint>
#include <string>

#include "napi_errors.h"

namespace tessera {

void* typed_array_data(const Napi::TypedArray& a) {
  return static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
}

bool read_output(const Napi::CallbackInfo& info, size_t index, napi_typedarray_type kind, size_t bytes,
                 const void* src, size_t src_bytes, Napi::TypedArray* out) {
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return true;
  Napi::Env env = info.Env();
  const char* want = kind == napi_float32_array ? "a Float32Array" : "a Uint8Array or Buffer";
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != kind) {
    throw_coded(env, "EINVAL", std::string("out must be ") + want);
    return false;
  }
  Napi::TypedArray a = info[index].As<Napi::TypedArray>();
  if (a.ArrayBuffer().IsDetached()) {
    throw_coded(env, "EINVAL", "out's memory was transferred or detached; pass a live array");
    return false;
  }
  if (a.ByteLength() < bytes) {
    throw_coded(env, "EINVAL", "out holds " + std::to_string(a.ByteLength()) + " bytes; the result needs " +
                                   std::to_string(bytes));
    return false;
  }
  const uintptr_t o = reinterpret_cast<uintptr_t>(typed_array_data(a));
  const uintptr_t s = reinterpret_cast<uintptr_t>(src);
  if (bytes > 0 && src_bytes > 0 && o < s + src_bytes && s < o + bytes) {
    throw_coded(env, "EINVAL", "out shares memory with src; the result must go to separate memory");
    return false;
  }
  *out = a;
  return true;
}

}  // namespace tessera
