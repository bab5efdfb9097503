#include "model/ref_kernels.h"

#include <cmath>
#include <cstring>

#include "cpu_features.h"
#include "model/flash_keys.h"
#include "quants/quant_common.h"

namespace tessera {

namespace {

constexpr int kLanes = 16;   // one AVX-512 register of floats
constexpr int kAccs = 4;     // accumulators of the reference's unrolled loop

// _mm512_reduce_add_ps as GCC expands it: halves, then quarters, then pairs.
float reduce_lanes(const float* v) {
  float a[8], b[4];
  for (int i = 0; i < 8; ++i) a[i] = v[8 + i] + v[i];
  for (int i = 0; i < 4; ++i) b[i] = a[4 + i] + a[i];
  return (b[0] + b[2]) + (b[1] + b[3]);
}

float dot_scalar(const uint16_t* k, const float* q, int n) {
  float acc[kAccs][kLanes] = {};
  const int step = kAccs * kLanes;
  const int full = n / step * step;
  for (int i = 0; i < full; i += step) {
    for (int a = 0; a < kAccs; ++a) {
      for (int l = 0; l < kLanes; ++l) {
        const int d = i + a * kLanes + l;
        acc[a][l] = std::fma(fp16_to_fp32(k[d]), q[d], acc[a][l]);
      }
    }
  }
  for (int l = 0; l < kLanes; ++l) {
    acc[0][l] += acc[2][l];
    acc[1][l] += acc[3][l];
  }
  for (int l = 0; l < kLanes; ++l) acc[0][l] += acc[1][l];
  double sum = reduce_lanes(acc[0]);
  for (int d = full; d < n; ++d) sum += static_cast<double>(fp16_to_fp32(k[d]) * q[d]);
  return static_cast<float>(sum);
}

inline float to_half(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

void scale_half_scalar(float* acc, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] = to_half(acc[d] * s);
}

void mad_half_scalar(float* acc, const uint16_t* v, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] = to_half(std::fma(fp16_to_fp32(v[d]), s, acc[d]));
}

// The reference's vector exp (a degree-5 polynomial on a reduced argument,
// scaled by 2^n); max error about 1.5 ulp.
float poly_exp(float x) {
  const float shift = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, shift);
  const float n = z - shift;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
  return std::ldexp(j, static_cast<int>(n));
}

void swiglu_scalar(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = (g / (1.0f + poly_exp(0.0f - g))) * up[i];
  }
}

void flash_half_scalar(const uint16_t* k, const uint16_t* v, int n, int d, const float* q16, float scale, float* max,
                       float* sum, float* acc) {
  flash_half_keys(dot_scalar, scale_half_scalar, mad_half_scalar, k, v, n, d, q16, scale, max, sum, acc);
}

void rope_scalar(const float* cs, int n_rot, float* x) {
  for (int i = 0; i < n_rot; i += 2) {
    const float c = cs[i], s = cs[i + 1];
    const float x0 = x[i], x1 = x[i + 1];
    x[i] = std::fma(x0, c, -(x1 * s));
    x[i + 1] = std::fma(x0, s, x1 * c);
  }
}

}  // namespace

const RefKernels& ref_kernels_scalar() {
  static const RefKernels k{dot_scalar, scale_half_scalar, mad_half_scalar, swiglu_scalar, rope_scalar, flash_half_scalar};
  return k;
}

const RefKernels& ref_kernels() {
  static const RefKernels& chosen = [&]() -> const RefKernels& {
    const CpuFeatures& f = cpu_features();
    return (f.avx2 && f.fma && f.f16c) ? ref_kernels_avx2() : ref_kernels_scalar();
  }();
  return chosen;
}

}  // namespace tessera
