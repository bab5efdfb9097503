// Test hook: runs the scalar and SIMD reference kernels on the same
// pseudo-random inputs and counts results whose bits differ.
//   compareRefKernels(seed) -> { dot, scaleHalf, madHalf, swiglu, simd }
#include <napi.h>

#include <cstring>
#include <vector>

#include "bindings/registry.h"
#include "cpu_features.h"
#include "model/ref_kernels.h"
#include "quants/quant_common.h"

namespace tessera {

namespace {

struct Lcg {
  uint64_t s;
  float next(float scale) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (static_cast<float>(s >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
  }
};

int differing(const float* a, const float* b, size_t n) {
  int count = 0;
  for (size_t i = 0; i < n; ++i) count += std::memcmp(a + i, b + i, sizeof(float)) != 0;
  return count;
}

Napi::Value CompareRefKernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  const bool simd = f.avx2 && f.fma && f.f16c;
  const RefKernels& s = ref_kernels_scalar();
  const RefKernels& v = simd ? ref_kernels_avx2() : ref_kernels_scalar();
  Lcg rng{info.Length() > 0 && info[0].IsNumber() ? static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()) : 1};
  int dot = 0, scale = 0, mad = 0, swiglu = 0;
  for (int n : {64, 128, 80, 7}) {  // full blocks, and lengths with leftovers
    std::vector<uint16_t> k(n);
    std::vector<float> q(n), acc_a(n), acc_b(n);
    for (int trial = 0; trial < 200; ++trial) {
      for (int d = 0; d < n; ++d) {
        k[d] = fp32_to_fp16(rng.next(4.0f));
        q[d] = fp16_to_fp32(fp32_to_fp16(rng.next(4.0f)));
        acc_a[d] = acc_b[d] = fp16_to_fp32(fp32_to_fp16(rng.next(8.0f)));
      }
      const float da = s.dot_f16_f32(k.data(), q.data(), n), db = v.dot_f16_f32(k.data(), q.data(), n);
      dot += differing(&da, &db, 1);
      const float m = rng.next(1.0f);
      s.scale_half(acc_a.data(), m, n);
      v.scale_half(acc_b.data(), m, n);
      scale += differing(acc_a.data(), acc_b.data(), n);
      s.mad_half(acc_a.data(), k.data(), m, n);
      v.mad_half(acc_b.data(), k.data(), m, n);
      mad += differing(acc_a.data(), acc_b.data(), n);
    }
  }
  std::vector<float> gate(4099), up(4099), ya(4099), yb(4099);
  for (size_t i = 0; i < gate.size(); ++i) {
    gate[i] = rng.next(i < 16 ? 120.0f : 12.0f);  // a few beyond exp's normal range
    up[i] = rng.next(3.0f);
  }
  s.swiglu(gate.data(), up.data(), ya.data(), static_cast<int64_t>(gate.size()));
  v.swiglu(gate.data(), up.data(), yb.data(), static_cast<int64_t>(gate.size()));
  swiglu = differing(ya.data(), yb.data(), gate.size());
  Napi::Object out = Napi::Object::New(env);
  out.Set("dot", dot);
  out.Set("scaleHalf", scale);
  out.Set("madHalf", mad);
  out.Set("swiglu", swiglu);
  out.Set("simd", simd);
  return out;
}

void InitRefKernelCheck(Napi::Env env, Napi::Object exports) {
  exports.Set("compareRefKernels", Napi::Function::New(env, CompareRefKernels, "compareRefKernels"));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(ref_kernels_check, InitRefKernelCheck)

}  // namespace tessera
