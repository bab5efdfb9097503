// Q3_K: 16 sub-blocks of 16 elements. Each element is a signed 3-bit level
// q-4 (q in 0..7: two low bits in qs, the third in hmask); each sub-block has
// a 6-bit scale code s (stored offset by 32), and the super-block an FP16
// unit d, so an element decodes as d*(s-32)*(q-4).
#include <cmath>
#include <cstring>

#include "kquants_blocks.h"
#include "kquants_fit.h"
#include "kquants_layout.h"
#include "quant_common.h"

namespace tessera {
namespace kquant {
namespace {

// Without an importance matrix: x^2-weighted symmetric fit with coordinate
// descent per sub-block; the scale codes are the scales rescaled so that the
// largest magnitude maps to -32.
void choose_scales_plain(const float* x, block_q3_K* y, int8_t* L) {
  float scales[16];
  float max_scale = 0.f, max_abs = 0.f;
  for (int j = 0; j < 16; ++j) {
    scales[j] = fit_symmetric_descent<16, 4>(x + 16 * j, L + 16 * j);
    const float a = std::fabs(scales[j]);
    if (a > max_abs) {
      max_abs = a;
      max_scale = scales[j];
    }
  }
  if (max_scale != 0.f) {
    const float inv = -32.f / max_scale;
    int codes[16];
    for (int j = 0; j < 16; ++j) {
      const int8_t l = static_cast<int8_t>(nearest_int(inv * scales[j]));  // byte first, as the reference
      codes[j] = clamp_int(l, -32, 31) + 32;
    }
    pack_q3_scales(codes, y->scales);
    y->d = fp32_to_fp16(1.f / inv);
  } else {
    std::memset(y->scales, 0, sizeof y->scales);
    y->d = fp32_to_fp16(0.f);
  }
}

// With importance weights: elements weighted by qw*sqrt(sigma^2 + x^2), a
// weighted symmetric fit per sub-block, then the 16 scales quantized to 6 bits
// by the same fit weighted by each sub-block's total weight.
void choose_scales_weighted(const float* x, block_q3_K* y, int8_t* L, const float* qw) {
  float sumx2 = 0.f;
  for (int i = 0; i < QK_K; ++i) sumx2 += x[i] * x[i];
  const float sigma2 = 2.f * sumx2 / 256.f;
  float scales[16], sub_weight[16], w[16];
  for (int j = 0; j < 16; ++j) {
    const float* xs = x + 16 * j;
    for (int l = 0; l < 16; ++l) w[l] = qw[16 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
    float total = 0.f;
    for (int l = 0; l < 16; ++l) total += w[l];
    sub_weight[j] = total;
    scales[j] = fit_symmetric<16, 4>(xs, w, L + 16 * j);
  }
  int8_t scale_levels[16];
  const float d = fit_symmetric<16, 32>(scales, sub_weight, scale_levels);
  int codes[16];
  for (int j = 0; j < 16; ++j) codes[j] = scale_levels[j];
  pack_q3_scales(codes, y->scales);
  y->d = fp32_to_fp16(d);
}

// Re-derive the levels from the stored unit and codes, then split each level
// into its high bit (hmask) and two low bits (qs).
void requantize_and_pack(const float* x, block_q3_K* y, int8_t* L) {
  const float d = fp16_to_fp32(y->d);
  for (int j = 0; j < 16; ++j) {
    const int8_t sc = static_cast<int8_t>(q3_scale_code(y->scales, j) - 32);
    const float dl = d * static_cast<float>(sc);
    if (dl == 0.f) continue;
    for (int i = 0; i < 16; ++i) {
      L[16 * j + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + i] / dl), -4, 3) + 4);
    }
  }
  // Bit 2 of element e goes to hmask[e % 32], bit e / 32.
  uint8_t low[QK_K];
  for (int m = 0; m < 32; ++m) {
    unsigned bits = 0;
    for (int k = 0; k < 8; ++k) {
      const int e = m + 32 * k;
      const bool high = L[e] > 3;
      bits |= static_cast<unsigned>(high) << k;
      low[e] = static_cast<uint8_t>(high ? L[e] - 4 : L[e]);
    }
    y->hmask[m] = static_cast<uint8_t>(bits);
  }
  pack_2bit(low, y->qs);
}

}  // namespace

void quantize_block_q3_K(const float* x, block_q3_K* y, const float* qw) {
  int8_t L[QK_K];
  if (qw) {
    choose_scales_weighted(x, y, L, qw);
  } else {
    choose_scales_plain(x, y, L);
  }
  requantize_and_pack(x, y, L);
}

}  // namespace kquant
}  // namespace tessera
