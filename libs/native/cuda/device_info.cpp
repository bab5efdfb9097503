// deviceInfo() -> { available, reason?, runtimeVersion, driverVersion?, devices? }
// Never throws for a missing driver or GPU: those are ordinary answers here.
#include <cuda_runtime_api.h>
#include <napi.h>

#include <string>

namespace {

std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  out.Set("runtimeVersion", version_string(runtime));

  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) out.Set("driverVersion", version_string(driver));

  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    out.Set("available", false);
    const std::string why = err != cudaSuccess ? std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err)
                                               : "the driver reports no CUDA device";
    out.Set("reason", "no CUDA device (" + why + ")");
    out.Set("devices", Napi::Array::New(env, 0));
    return out;
  }
  Napi::Array devices = Napi::Array::New(env, static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", i);
    d.Set("name", std::string(p.name));
    d.Set("computeCapability", std::to_string(p.major) + "." + std::to_string(p.minor));
    d.Set("totalMemoryBytes", Napi::Number::New(env, static_cast<double>(p.totalGlobalMem)));
    d.Set("multiProcessors", p.multiProcessorCount);
    devices.Set(static_cast<uint32_t>(i), d);
  }
  out.Set("available", true);
  out.Set("devices", devices);
  return out;
}

}  // namespace

#include "dequantize_q8_0.h"

namespace {

// dequantizeQ8_0(src: Uint8Array, nElements) -> Float32Array, computed on
// device 0; throws (code ENODEVICE) where there is no usable GPU.
Napi::Value DequantizeQ8_0(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "dequantizeQ8_0(src: Uint8Array, nElements: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  const int64_t n = info[1].As<Napi::Number>().Int64Value();
  if (n < 0 || n % 32 != 0 || static_cast<size_t>(n / 32 * 34) > src.ByteLength()) {
    Napi::RangeError::New(env, "nElements must be a multiple of 32 that src covers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(n));
  std::string error;
  if (!tessera::cuda_dequantize_q8_0(src.Data(), out.Data(), n, &error)) {
    Napi::Error e = Napi::Error::New(env, error);
    e.Set("code", Napi::String::New(env, "ENODEVICE"));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return out;
}

}  // namespace

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo, "deviceInfo"));
  exports.Set("dequantizeQ8_0", Napi::Function::New(env, DequantizeQ8_0, "dequantizeQ8_0"));
  return exports;
}

NODE_API_MODULE(tessera_native_cuda, Init)
