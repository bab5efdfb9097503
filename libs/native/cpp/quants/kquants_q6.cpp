// Q6_K: 16 sub-blocks of 16 elements. Each element is a signed 6-bit level
// q-32 (low nibble in ql, top two bits in qh); each sub-block has an int8
// scale, and the super-block an FP16 unit d, so an element decodes as
// d*scale*(q-32).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kquants_blocks.h"
#include "kquants_fit.h"
#include "kquants_layout.h"
#include "quant_common.h"

namespace tessera {
namespace kquant {

// Both paths share one algorithm and differ only in the sub-block fit's
// weights: x^2 without an importance matrix, the raw importance values with
// one (the reference does not mix in sigma here, unlike the other K-quants).
void quantize_block_q6_K(const float* x, block_q6_K* y, const float* qw) {
  int8_t L[QK_K];
  float scales[16], x2[16];
  float max_scale = 0.f, max_abs = 0.f;
  for (int j = 0; j < 16; ++j) {
    const float* xs = x + 16 * j;
    const float* w = qw ? qw + 16 * j : x2;
    if (!qw) {
      for (int l = 0; l < 16; ++l) x2[l] = xs[l] * xs[l];
    }
    scales[j] = fit_symmetric<16, 32>(xs, w, L + 16 * j);
    const float a = std::fabs(scales[j]);
    if (a > max_abs) {
      max_abs = a;
      max_scale = scales[j];
    }
  }
  if (max_abs < kGroupMaxEps) {  // (near-)zero block: all bytes zero, d = +0
    std::memset(y, 0, sizeof *y);
    return;
  }
  const float inv = -128.f / max_scale;
  y->d = fp32_to_fp16(1.f / inv);
  for (int j = 0; j < 16; ++j) {
    // Upper clamp only: the extreme scale maps to exactly -128.
    y->scales[j] = static_cast<int8_t>(std::min(127, nearest_int(inv * scales[j])));
  }
  const float d = fp16_to_fp32(y->d);
  for (int j = 0; j < 16; ++j) {
    const float dl = d * static_cast<float>(y->scales[j]);
    if (dl == 0.f) continue;  // keep the fitted levels
    for (int i = 0; i < 16; ++i) {
      L[16 * j + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + i] / dl), -32, 31) + 32);
    }
  }
  pack_6bit(reinterpret_cast<const uint8_t*>(L), y->ql, y->qh);
}

}  // namespace kquant
}  // namespace tessera
