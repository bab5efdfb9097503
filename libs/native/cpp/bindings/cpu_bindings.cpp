// JS entry points about the CPU and kernel selection:
//   cpuFeatures() -> { avx2, avx512f, avx512bw, avx512vl, f16c, fma, simd }
//   setKernelPath('auto' | 'avx2' | 'scalar'); kernelPath() -> the same names
//   hardwareThreads() -> number
#include <napi.h>

#include <string>
#include <thread>

#include "../cpu_features.h"
#include "../quants/kernel_table.h"
#include "napi_errors.h"
#include "registry.h"

namespace tessera {

namespace {

Napi::Value CpuFeaturesInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("avx2", Napi::Boolean::New(env, f.avx2));
  o.Set("avx512f", Napi::Boolean::New(env, f.avx512f));
  o.Set("avx512bw", Napi::Boolean::New(env, f.avx512bw));
  o.Set("avx512vl", Napi::Boolean::New(env, f.avx512vl));
  o.Set("f16c", Napi::Boolean::New(env, f.f16c));
  o.Set("fma", Napi::Boolean::New(env, f.fma));
  o.Set("simd", Napi::String::New(env, simd_level()));
  return o;
}

Napi::Value SetKernelPath(const Napi::CallbackInfo& info) {
  const std::string path = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (path == "auto") {
    set_kernel_path(KernelPath::Auto);
  } else if (path == "scalar") {
    set_kernel_path(KernelPath::Scalar);
  } else if (path == "avx2") {
    const CpuFeatures& f = cpu_features();
    if (!(f.avx2 && f.f16c && f.fma)) {
      return throw_coded(info.Env(), "EUNSUPPORTED", "this CPU lacks AVX2/F16C/FMA; use the 'auto' or 'scalar' kernel path");
    }
    set_kernel_path(KernelPath::Avx2);
  } else {
    return throw_coded(info.Env(), "EINVAL", "kernel path must be 'auto', 'avx2' or 'scalar'");
  }
  return info.Env().Undefined();
}

Napi::Value GetKernelPath(const Napi::CallbackInfo& info) {
  const KernelPath p = kernel_path();
  return Napi::String::New(info.Env(), p == KernelPath::Scalar ? "scalar" : p == KernelPath::Avx2 ? "avx2" : "auto");
}

Napi::Value HardwareThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), std::thread::hardware_concurrency());
}

void InitCpuBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesInfo, "cpuFeatures"));
  exports.Set("setKernelPath", Napi::Function::New(env, SetKernelPath, "setKernelPath"));
  exports.Set("kernelPath", Napi::Function::New(env, GetKernelPath, "kernelPath"));
  exports.Set("hardwareThreads", Napi::Function::New(env, HardwareThreads, "hardwareThreads"));
}

}  // namespace

}  // namespace tessera

TESSERA_REGISTER_BINDINGS(cpu, tessera::InitCpuBindings)
