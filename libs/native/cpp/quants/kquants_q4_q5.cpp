// Q4_K and Q5_K: 8 sub-blocks of 32 elements. Each element is an unsigned 4-
// or 5-bit level; each sub-block has a 6-bit scale code and a 6-bit offset
// code, and the super-block stores FP16 units d and dmin, so an element decodes
// as d*scale*q - dmin*offset. The two types differ only in the level range,
// the search parameters of the plain path and where bit 4 of a level goes.
#include <algorithm>
#include <cmath>

#include "kquants_blocks.h"
#include "kquants_fit.h"
#include "kquants_layout.h"
#include "quant_common.h"

namespace tessera {
namespace kquant {
namespace {

// Search parameters of the plain (no importance matrix) sub-block fit.
template <int NMAX>
struct PlainSearch;
template <>
struct PlainSearch<15> {
  static constexpr float rmin = -1.f;
  static constexpr int nstep = 20;
};
template <>
struct PlainSearch<31> {
  static constexpr float rmin = -0.5f;
  static constexpr int nstep = 15;
};

// Without an importance matrix: each element weighted by (rms of its
// sub-block) + |x|; codes are each scale (offset) rescaled against the largest
// one, computed as bytes and then clamped to 63 as the reference does.
template <typename Block, int NMAX>
void choose_scales_plain(const float* x, Block* y, uint8_t* L) {
  float scales[8], offsets[8], w[32];
  float max_scale = 0.f, max_offset = 0.f;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0.f;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float rms = std::sqrt(sum_x2 / 32.f);
    for (int l = 0; l < 32; ++l) w[l] = rms + std::fabs(xs[l]);
    scales[j] = fit_asymmetric<32, NMAX, false>(xs, w, L + 32 * j, &offsets[j], PlainSearch<NMAX>::rmin, 0.1f,
                                                PlainSearch<NMAX>::nstep);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (offsets[j] > max_offset) max_offset = offsets[j];
  }
  const float inv_scale = max_scale > 0.f ? 63.f / max_scale : 0.f;
  const float inv_offset = max_offset > 0.f ? 63.f / max_offset : 0.f;
  uint8_t sc[8], mn[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    mn[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_offset * offsets[j])));
  }
  pack_scale_min_k4(sc, mn, y->scales);
  y->d = fp32_to_fp16(max_scale / 63.f);
  y->dmin = fp32_to_fp16(max_offset / 63.f);
}

// With importance weights: elements weighted by qw*sqrt(sigma^2 + x^2), a
// weighted least-squares fit per sub-block, then the 8 scales and 8 offsets
// quantized to 6 bits by a weighted fit (weights: sub-block totals). Q5_K
// clamps those codes to 63; Q4_K does not (the reference differs here too).
template <typename Block, int NMAX>
void choose_scales_weighted(const float* x, Block* y, uint8_t* L, const float* qw) {
  float sum_x2 = 0.f;
  for (int i = 0; i < QK_K; ++i) sum_x2 += x[i] * x[i];
  const float sigma2 = 2.f * sum_x2 / 256.f;
  float scales[8], offsets[8], sub_weight[8], w[32];
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    for (int l = 0; l < 32; ++l) w[l] = qw[32 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
    float total = 0.f;
    for (int l = 0; l < 32; ++l) total += w[l];
    sub_weight[j] = total;
    scales[j] = fit_asymmetric<32, NMAX, false>(xs, w, L + 32 * j, &offsets[j], -0.9f, 0.05f, 36);
  }
  uint8_t sc[8], mn[8];
  const float d = fit_nonnegative<8, 63>(scales, sub_weight, sc);
  const float dmin = fit_nonnegative<8, 63>(offsets, sub_weight, mn);
  if (NMAX == 31) {
    for (int j = 0; j < 8; ++j) {
      sc[j] = std::min<uint8_t>(63, sc[j]);
      mn[j] = std::min<uint8_t>(63, mn[j]);
    }
  }
  pack_scale_min_k4(sc, mn, y->scales);
  y->d = fp32_to_fp16(d);
  y->dmin = fp32_to_fp16(dmin);
}

// Re-derive every level from the stored units and codes (what decoding will
// see). A sub-block whose scale decodes to 0 keeps its fitted levels.
template <typename Block, int NMAX>
void requantize(const float* x, const Block* y, uint8_t* L) {
  const float d = fp16_to_fp32(y->d);
  const float dmin = fp16_to_fp32(y->dmin);
  for (int j = 0; j < 8; ++j) {
    int sc, mn;
    unpack_scale_min_k4(y->scales, j, &sc, &mn);
    const float dl = d * static_cast<float>(sc);
    if (dl == 0.f) continue;
    const float ml = dmin * static_cast<float>(mn);
    for (int i = 0; i < 32; ++i) {
      L[32 * j + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[32 * j + i] + ml) / dl), 0, NMAX));
    }
  }
}

template <typename Block, int NMAX>
void choose_scales_and_levels(const float* x, Block* y, uint8_t* L, const float* qw) {
  if (qw) {
    choose_scales_weighted<Block, NMAX>(x, y, L, qw);
  } else {
    choose_scales_plain<Block, NMAX>(x, y, L);
  }
  requantize<Block, NMAX>(x, y, L);
}

}  // namespace

void quantize_block_q4_K(const float* x, block_q4_K* y, const float* qw) {
  uint8_t L[QK_K];
  choose_scales_and_levels<block_q4_K, 15>(x, y, L, qw);
  pack_4bit_chunks(L, y->qs);
}

void quantize_block_q5_K(const float* x, block_q5_K* y, const float* qw) {
  uint8_t L[QK_K];
  choose_scales_and_levels<block_q5_K, 31>(x, y, L, qw);
  pack_5bit_chunks(L, y->qs, y->qh);
}

}  // namespace kquant
}  // namespace tessera
