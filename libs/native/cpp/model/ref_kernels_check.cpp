// Test hook: runs the scalar and SIMD reference kernels on the same
// pseudo-random inputs and counts results whose bits differ.
//   compareRefKernels(seed) -> { dot, scaleHalf, madHalf, swiglu, rope, flashHalf, simd }
#include <napi.h>

#include <cmath>
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
  // RoPE over whole heads and partial rotations (n_rot < head_dim, and
  // lengths that leave a tail for the scalar code), angles of every size.
  int rope = 0;
  for (int n_rot : {64, 128, 32, 10, 6}) {
    std::vector<float> cs(n_rot), xa(128), xb(128);
    for (int trial = 0; trial < 100; ++trial) {
      for (int i = 0; i < n_rot; i += 2) {
        const float angle = rng.next(trial < 50 ? 3.2f : 4000.0f);
        cs[i] = std::cos(angle);
        cs[i + 1] = std::sin(angle);
      }
      for (int d = 0; d < 128; ++d) xa[d] = xb[d] = rng.next(trial % 3 == 0 ? 1e4f : 2.0f);
      s.rope(cs.data(), n_rot, xa.data());
      v.rope(cs.data(), n_rot, xb.data());
      rope += differing(xa.data(), xb.data(), 128);
    }
  }
  // Flash attention runs: head sizes with and without the in-register
  // kernel, runs longer than its score buffer, a state carried from an
  // earlier run, and keys whose scores rise (new maxima) or fall.
  int flash = 0;
  for (int d : {64, 128, 80}) {
    for (int n : {1, 5, 16, 70}) {
      std::vector<uint16_t> keys(static_cast<size_t>(n) * d), values(static_cast<size_t>(n) * d);
      std::vector<float> q(d), acc_a(d), acc_b(d);
      for (int trial = 0; trial < 20; ++trial) {
        const float slope = trial % 2 ? 0.05f : -0.05f;
        for (int j = 0; j < n; ++j) {
          for (int i = 0; i < d; ++i) {
            keys[static_cast<size_t>(j) * d + i] = fp32_to_fp16(rng.next(2.0f) + slope * static_cast<float>(j));
            values[static_cast<size_t>(j) * d + i] = fp32_to_fp16(rng.next(3.0f));
          }
        }
        for (int i = 0; i < d; ++i) q[i] = fp16_to_fp32(fp32_to_fp16(rng.next(1.0f)));
        const bool fresh = trial % 3 == 0;
        float max_a = fresh ? -INFINITY : rng.next(4.0f), sum_a = fresh ? 0.0f : 1.0f + std::fabs(rng.next(3.0f));
        for (int i = 0; i < d; ++i) acc_a[i] = acc_b[i] = fresh ? 0.0f : fp16_to_fp32(fp32_to_fp16(rng.next(2.0f)));
        float max_b = max_a, sum_b = sum_a;
        const float scale = 0.125f;
        s.flash_half(keys.data(), values.data(), n, d, q.data(), scale, &max_a, &sum_a, acc_a.data());
        v.flash_half(keys.data(), values.data(), n, d, q.data(), scale, &max_b, &sum_b, acc_b.data());
        flash += differing(acc_a.data(), acc_b.data(), d) + differing(&max_a, &max_b, 1) + differing(&sum_a, &sum_b, 1);
      }
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("dot", dot);
  out.Set("scaleHalf", scale);
  out.Set("madHalf", mad);
  out.Set("swiglu", swiglu);
  out.Set("rope", rope);
  out.Set("flashHalf", flash);
  out.Set("simd", simd);
  return out;
}

void InitRefKernelCheck(Napi::Env env, Napi::Object exports) {
  exports.Set("compareRefKernels", Napi::Function::New(env, CompareRefKernels, "compareRefKernels"));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(ref_kernels_check, InitRefKernelCheck)

}  // namespace tessera
