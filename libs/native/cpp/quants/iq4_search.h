// The IQ4_NL / IQ4_XS quantizers, written once over a "codebook search"
// policy so iq4.cpp (scalar) and iq4_avx2.cpp (8 lanes) share every step
// that decides the bytes. A policy provides:
//   static void sums(const float* xb, const float* w, float id, float* sumqx, float* sumq2, uint8_t* L);
//     for the 32 values of a block: L[j] = nearest codebook index of id * xb[j]
//     (L may be nullptr), sumqx = sum of (w*q)*x and sumq2 = sum of (w*q)*q
//     with q = codebook[L[j]], accumulated in float in index order;
//   static void indices(const float* xb, float id, uint8_t* L);
//   static void sums_of_tries(const float* xb, const float* w, const float* ids, float* sumqx, float* sumq2);
//     what sums() gives for each of the kIq4TryCount inverse scales ids[t]
//     (the tries do not depend on each other, so they may run side by side);
// Everything here has internal linkage (anonymous namespace): each includer
// gets its own copy compiled for its own instruction set.
#pragma once
#include <cmath>
#include <cstring>

#include "blocks.h"
#include "quant_common.h"

namespace tessera {
namespace {

constexpr int kIq4Block = 32;
constexpr int kIq4Tries = 7;
constexpr int kIq4TryCount = 2 * kIq4Tries + 1;

// The codebook as floats: the int8 values convert exactly, and the search
// compares floats, so precomputing them changes nothing but speed.
constexpr float kIq4Codebook[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// Weights of one 32-value block: imatrix-scaled magnitude, or x^2.
inline void iq4_block_weights(const float* xb, const float* qw, float sigma2, float* weight) {
  if (qw) {
    for (int j = 0; j < kIq4Block; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
  } else {
    for (int j = 0; j < kIq4Block; ++j) weight[j] = xb[j] * xb[j];
  }
}

// sigma^2 used by the imatrix weighting: twice the mean square of the span.
inline float iq4_span_sigma2(const float* x, int n) {
  float sum = 0;
  for (int j = 0; j < n; ++j) sum += x[j] * x[j];
  return sum * (2.f / static_cast<float>(n));
}

inline void iq4_pack_block(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kIq4Block / 2; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + kIq4Block / 2] << 4));
}

// Best scale of one block (0 for an all-zero block): start with the largest
// value mapped onto the codebook's -127 end, refit by weighted least squares,
// then try the 15 inverse scales (t - 127) / max and keep the best fit.
template <class Search>
float iq4_block_scale(const float* xb, const float* weight, uint8_t* L) {
  float amax = 0, max = 0;
  for (int j = 0; j < kIq4Block; ++j) {
    const float ax = std::fabs(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  if (amax < kGroupMaxEps) return 0;
  float d = -max / kIq4Codebook[0];
  float sumqx, sumq2;
  Search::sums(xb, weight, 1 / d, &sumqx, &sumq2, L);
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  float ids[kIq4TryCount], try_qx[kIq4TryCount], try_q2[kIq4TryCount];
  for (int t = 0; t < kIq4TryCount; ++t) {
    ids[t] = static_cast<float>(t - kIq4Tries + static_cast<int>(kIq4Codebook[0])) / max;
  }
  Search::sums_of_tries(xb, weight, ids, try_qx, try_q2);
  for (int t = 0; t < kIq4TryCount; ++t) {  // in order: a try replaces the best only when strictly better
    if (try_q2[t] > 0 && try_qx[t] * try_qx[t] > best * try_q2[t]) {
      d = try_qx[t] / try_q2[t];
      best = d * try_qx[t];
    }
  }
  return d;
}

template <class Search>
void iq4_nl_block(const float* x, const float* qw, block_iq4_nl* y) {
  float weight[kIq4Block];
  uint8_t L[kIq4Block];
  iq4_block_weights(x, qw, iq4_span_sigma2(x, kIq4Block), weight);
  const float d = iq4_block_scale<Search>(x, weight, L);
  y->d = fp32_to_fp16(d);
  // Final indices come from the float scale, not its FP16 rounding.
  Search::indices(x, d ? 1 / d : 0, L);
  iq4_pack_block(L, y->qs);
}

template <class Search>
void iq4_xs_superblock(const float* x, const float* qw, block_iq4_xs* y) {
  constexpr int nblocks = QK_K / kIq4Block;
  const float sigma2 = iq4_span_sigma2(x, QK_K);
  float weight[kIq4Block], scales[nblocks];
  uint8_t L[kIq4Block];
  float max_scale = 0, amax_scale = 0;
  for (int ib = 0; ib < nblocks; ++ib) {
    iq4_block_weights(x + ib * kIq4Block, qw ? qw + ib * kIq4Block : nullptr, sigma2, weight);
    scales[ib] = iq4_block_scale<Search>(x + ib * kIq4Block, weight, L);
    if (std::fabs(scales[ib]) > amax_scale) {
      amax_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  // Block scales become 6-bit multiples (-32..31) of one super-block scale.
  const float d = -max_scale / 32;
  y->d = fp32_to_fp16(d);
  y->scales_h = 0;
  std::memset(y->scales_l, 0, sizeof y->scales_l);
  const float id = d ? 1 / d : 0.f;
  for (int ib = 0; ib < nblocks; ++ib) {
    int l = nearest_int(id * scales[ib]);
    l = l < -32 ? -32 : (l > 31 ? 31 : l);
    const float dl = d * static_cast<float>(l);
    Search::indices(x + ib * kIq4Block, dl ? 1 / dl : 0.f, L);
    iq4_pack_block(L, y->qs + ib * (kIq4Block / 2));
    const int stored = l + 32;
    y->scales_l[ib / 2] |= static_cast<uint8_t>((stored & 0xf) << (4 * (ib % 2)));
    y->scales_h |= static_cast<uint16_t>((stored >> 4) << (2 * ib));
  }
}

// Whole-tensor drivers with the quants.h contract.
template <class Search>
size_t iq4_nl_rows(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  const int64_t per_row = n_per_row / QK4_NL;
  block_iq4_nl* y = static_cast<block_iq4_nl*>(dst);
  for (int64_t r = 0; r < nrows; ++r) {
    for (int64_t ib = 0; ib < per_row; ++ib) {
      iq4_nl_block<Search>(src + r * n_per_row + ib * QK4_NL, imatrix ? imatrix + ib * QK4_NL : nullptr,
                           y + r * per_row + ib);
    }
  }
  return static_cast<size_t>(nrows * per_row) * sizeof(block_iq4_nl);
}

template <class Search>
size_t iq4_xs_rows(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  const int64_t per_row = n_per_row / QK_K;
  block_iq4_xs* y = static_cast<block_iq4_xs*>(dst);
  for (int64_t r = 0; r < nrows; ++r) {
    for (int64_t ib = 0; ib < per_row; ++ib) {
      iq4_xs_superblock<Search>(src + r * n_per_row + ib * QK_K, imatrix ? imatrix + ib * QK_K : nullptr,
                                y + r * per_row + ib);
    }
  }
  return static_cast<size_t>(nrows * per_row) * sizeof(block_iq4_xs);
}

}  // namespace
}  // namespace tessera
