// IQ4_NL (32-value blocks) and IQ4_XS (256-value super-blocks of eight
// 32-value blocks with 6-bit sub-scales): 4-bit indices into the non-linear
// codebook kvalues_iq4nl. Both always run the scale search (7 tries each way
// around the max-anchored scale), with or without an imatrix, as the
// reference's file quantizer does.
#include <cmath>
#include <cstring>

#include "quant_common.h"
#include "quants.h"

namespace tessera {

namespace {

constexpr int kBlock = 32;
constexpr int kTries = 7;
const int8_t* const kCodebook = kvalues_iq4nl;

inline int codebook_index(float x) { return nearest_table_index(kCodebook, 16, x); }

// Weights of one 32-value block: imatrix-scaled magnitude, or x^2.
void block_weights(const float* xb, const float* qw, float sigma2, float* weight) {
  if (qw) {
    for (int j = 0; j < kBlock; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
  } else {
    for (int j = 0; j < kBlock; ++j) weight[j] = xb[j] * xb[j];
  }
}

// Weighted sums at inverse scale `id`: sumqx = sum w*q*x, sumq2 = sum w*q*q
// with q the codebook value chosen for id * x. Optionally records indices.
void codebook_sums(const float* xb, const float* weight, float id, float* sumqx, float* sumq2, uint8_t* L) {
  float qx = 0, q2 = 0;
  for (int j = 0; j < kBlock; ++j) {
    const int l = codebook_index(id * xb[j]);
    if (L) L[j] = static_cast<uint8_t>(l);
    const float q = kCodebook[l];
    const float w = weight[j];
    qx += w * q * xb[j];
    q2 += w * q * q;
  }
  *sumqx = qx;
  *sumq2 = q2;
}

// Best scale of one block (0 for an all-zero block). Fills L with the
// indices of the initial max-anchored fit.
float block_scale(const float* xb, const float* weight, uint8_t* L) {
  float amax = 0, max = 0;
  for (int j = 0; j < kBlock; ++j) {
    const float ax = std::fabs(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  if (amax < kGroupMaxEps) return 0;
  // Start with the largest value mapped onto the codebook's -127 end.
  float d = -max / static_cast<float>(kCodebook[0]);
  float sumqx, sumq2;
  codebook_sums(xb, weight, 1 / d, &sumqx, &sumq2, L);
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int t = -kTries; t <= kTries; ++t) {
    const float id = static_cast<float>(t + kCodebook[0]) / max;
    codebook_sums(xb, weight, id, &sumqx, &sumq2, nullptr);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// sigma^2 used by the imatrix weighting: twice the mean square of the span.
float span_sigma2(const float* x, int n) {
  float sum = 0;
  for (int j = 0; j < n; ++j) sum += x[j] * x[j];
  return sum * (2.f / static_cast<float>(n));
}

void pack_block(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kBlock / 2; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + kBlock / 2] << 4));
}

void iq4_nl_block(const float* x, const float* qw, block_iq4_nl* y) {
  float weight[kBlock];
  uint8_t L[kBlock];
  block_weights(x, qw, span_sigma2(x, kBlock), weight);
  const float d = block_scale(x, weight, L);
  y->d = fp32_to_fp16(d);
  // Final indices come from the float scale, not its FP16 rounding.
  const float id = d ? 1 / d : 0;
  for (int j = 0; j < kBlock; ++j) L[j] = static_cast<uint8_t>(codebook_index(id * x[j]));
  pack_block(L, y->qs);
}

void iq4_xs_superblock(const float* x, const float* qw, block_iq4_xs* y) {
  constexpr int nblocks = QK_K / kBlock;
  const float sigma2 = span_sigma2(x, QK_K);
  float weight[kBlock], scales[nblocks];
  uint8_t L[kBlock];
  float max_scale = 0, amax_scale = 0;
  for (int ib = 0; ib < nblocks; ++ib) {
    block_weights(x + ib * kBlock, qw ? qw + ib * kBlock : nullptr, sigma2, weight);
    scales[ib] = block_scale(x + ib * kBlock, weight, L);
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
    const float idl = dl ? 1 / dl : 0.f;
    const float* xb = x + ib * kBlock;
    for (int j = 0; j < kBlock; ++j) L[j] = static_cast<uint8_t>(codebook_index(idl * xb[j]));
    pack_block(L, y->qs + ib * (kBlock / 2));
    const int stored = l + 32;
    y->scales_l[ib / 2] |= static_cast<uint8_t>((stored & 0xf) << (4 * (ib % 2)));
    y->scales_h |= static_cast<uint16_t>((stored >> 4) << (2 * ib));
  }
}

}  // namespace

size_t quantize_iq4_nl(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  const int64_t per_row = n_per_row / QK4_NL;
  block_iq4_nl* y = static_cast<block_iq4_nl*>(dst);
  for (int64_t r = 0; r < nrows; ++r) {
    for (int64_t ib = 0; ib < per_row; ++ib) {
      iq4_nl_block(src + r * n_per_row + ib * QK4_NL, imatrix ? imatrix + ib * QK4_NL : nullptr, y + r * per_row + ib);
    }
  }
  return static_cast<size_t>(nrows * per_row) * sizeof(block_iq4_nl);
}

size_t quantize_iq4_xs(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  const int64_t per_row = n_per_row / QK_K;
  block_iq4_xs* y = static_cast<block_iq4_xs*>(dst);
  for (int64_t r = 0; r < nrows; ++r) {
    for (int64_t ib = 0; ib < per_row; ++ib) {
      iq4_xs_superblock(src + r * n_per_row + ib * QK_K, imatrix ? imatrix + ib * QK_K : nullptr, y + r * per_row + ib);
    }
  }
  return static_cast<size_t>(nrows * per_row) * sizeof(block_iq4_xs);
}

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t k) {
  const block_iq4_nl* x = static_cast<const block_iq4_nl*>(src);
  for (int64_t i = 0; i < k / QK4_NL; ++i, dst += QK4_NL) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < QK4_NL / 2; ++j) {
      dst[j] = d * kCodebook[x[i].qs[j] & 0xf];
      dst[j + QK4_NL / 2] = d * kCodebook[x[i].qs[j] >> 4];
    }
  }
}

void dequantize_row_iq4_xs(const void* src, float* dst, int64_t k) {
  const block_iq4_xs* x = static_cast<const block_iq4_xs*>(src);
  for (int64_t i = 0; i < k / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < QK_K / kBlock; ++ib, dst += kBlock) {
      const int ls = ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((x[i].scales_h >> (2 * ib)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      const uint8_t* qs = x[i].qs + ib * (kBlock / 2);
      for (int j = 0; j < kBlock / 2; ++j) {
        dst[j] = dl * kCodebook[qs[j] & 0xf];
        dst[j + kBlock / 2] = dl * kCodebook[qs[j] >> 4];
      }
    }
  }
}

}  // namespace tessera
