// Q2_K: 16 sub-blocks of 16 elements. Each element is a 2-bit level; each
// sub-block has a 4-bit scale code and a 4-bit offset code (one byte), and the
// super-block stores the FP16 units d and dmin of those codes, so an element
// decodes as d*scale*q - dmin*offset.
#include <cmath>
#include <cstring>

#include "kquants_blocks.h"
#include "kquants_fit.h"
#include "kquants_layout.h"
#include "quant_common.h"

namespace tessera {
namespace kquant {
namespace {

// Without an importance matrix: each sub-block is fitted minimizing the
// |x|-weighted absolute error; the codes are then plain rescalings of each
// scale (offset) relative to the largest one.
void choose_scales_plain(const float* x, block_q2_K* y, uint8_t* L) {
  float scales[16], offsets[16], w[16];
  float max_scale = 0.f, max_offset = 0.f;
  for (int j = 0; j < 16; ++j) {
    const float* xs = x + 16 * j;
    for (int l = 0; l < 16; ++l) w[l] = std::fabs(xs[l]);
    scales[j] = fit_asymmetric<16, 3, true>(xs, w, L + 16 * j, &offsets[j], -0.5f, 0.1f, 15);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (offsets[j] > max_offset) max_offset = offsets[j];
  }
  if (max_scale > 0.f) {
    const float inv = 15.f / max_scale;
    // Codes are not clamped: a stray value spills into the offset nibble just
    // as it does in the reference.
    for (int j = 0; j < 16; ++j) y->scales[j] = static_cast<uint8_t>(nearest_int(inv * scales[j]));
    y->d = fp32_to_fp16(max_scale / 15.f);
  } else {
    std::memset(y->scales, 0, sizeof y->scales);
    y->d = fp32_to_fp16(0.f);
  }
  if (max_offset > 0.f) {
    const float inv = 15.f / max_offset;
    for (int j = 0; j < 16; ++j) {
      const unsigned code = static_cast<unsigned>(nearest_int(inv * offsets[j]));
      y->scales[j] = static_cast<uint8_t>(y->scales[j] | (code << 4));
    }
    y->dmin = fp32_to_fp16(max_offset / 15.f);
  } else {
    y->dmin = fp32_to_fp16(0.f);
  }
}

// With importance weights: elements are weighted by qw*sqrt(sigma^2 + x^2)
// and fitted by weighted least squares; the 16 scales and 16 offsets are then
// themselves quantized to 4 bits by a weighted fit (weights: each sub-block's
// total element weight).
void choose_scales_weighted(const float* x, block_q2_K* y, uint8_t* L, const float* qw) {
  float sumx2 = 0.f;
  for (int i = 0; i < QK_K; ++i) sumx2 += x[i] * x[i];
  const float sigma2 = sumx2 / 256.f;
  float scales[16], offsets[16], sub_weight[16], w[16];
  for (int j = 0; j < 16; ++j) {
    const float* xs = x + 16 * j;
    for (int l = 0; l < 16; ++l) w[l] = qw[16 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
    float total = 0.f;
    for (int l = 0; l < 16; ++l) total += w[l];
    sub_weight[j] = total;
    scales[j] = fit_asymmetric<16, 3, false>(xs, w, L + 16 * j, &offsets[j], -0.9f, 0.05f, 36);
  }
  uint8_t scale_codes[16], offset_codes[16];
  const float d = fit_nonnegative<16, 15>(scales, sub_weight, scale_codes);
  const float dmin = fit_nonnegative<16, 15>(offsets, sub_weight, offset_codes);
  y->d = fp32_to_fp16(d);
  y->dmin = fp32_to_fp16(dmin);
  for (int j = 0; j < 16; ++j) y->scales[j] = static_cast<uint8_t>(scale_codes[j] | (offset_codes[j] << 4));
}

// Both paths finish alike: re-derive every level from the stored (FP16
// rounded) units and codes, so decoding sees exactly what the levels were
// chosen against. A sub-block whose scale decodes to 0 keeps its fitted levels.
void requantize_and_pack(const float* x, block_q2_K* y, uint8_t* L) {
  const float d = fp16_to_fp32(y->d);
  const float dmin = fp16_to_fp32(y->dmin);
  for (int j = 0; j < 16; ++j) {
    const float dl = d * static_cast<float>(y->scales[j] & 0xF);
    if (dl == 0.f) continue;
    const float ml = dmin * static_cast<float>(y->scales[j] >> 4);
    for (int i = 0; i < 16; ++i) {
      L[16 * j + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[16 * j + i] + ml) / dl), 0, 3));
    }
  }
  pack_2bit(L, y->qs);
}

}  // namespace

void quantize_block_q2_K(const float* x, block_q2_K* y, const float* qw) {
  uint8_t L[QK_K];
  if (qw) {
    choose_scales_weighted(x, y, L, qw);
  } else {
    choose_scales_plain(x, y, L);
  }
  requantize_and_pack(x, y, L);
}

}  // namespace kquant
}  // namespace tessera
