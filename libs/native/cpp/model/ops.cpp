#include "model/ops.h"

#include <cmath>
#include "model/ref_kernels.h"

namespace tessera {

void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps) {
  // The reference squares in float and sums in double.
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

void rope_cos_sin(const RopeParams& rp, int32_t pos, float* cs) {
  // theta_i = pos * base^(-2i/n_rot), built by repeated float multiplication
  // as the reference does, so angles agree to the last bit.
  const float theta_scale = std::pow(rp.freq_base, -2.0f / static_cast<float>(rp.n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < rp.n_rot / 2; ++i) {
    const float factor = rp.freq_factors ? rp.freq_factors[i] : 1.0f;
    const float angle = rp.freq_scale * (theta / factor);
    cs[2 * i] = std::cos(angle);
    cs[2 * i + 1] = std::sin(angle);
    theta *= theta_scale;
  }
}

void rope_apply(const float* cs, int n_rot, float* x, int n_heads, int head_dim) {
  const RefKernels& rk = ref_kernels();  // fused as the reference build does
  for (int h = 0; h < n_heads; ++h) rk.rope(cs, n_rot, x + static_cast<int64_t>(h) * head_dim);
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) { ref_kernels().swiglu(gate, up, out, n); }

void add_in_place(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace tessera
