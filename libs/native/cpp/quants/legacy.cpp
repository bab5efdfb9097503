// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (and the Q8_1 activation format): one scale
// (and for *_1 an offset) per 32 values. Without an imatrix each block uses a
// closed-form scale; with one, a weighted search (scale_search.h) picks it.
// Nibble layout: byte j holds element j (low) and element j + 16 (high); the
// 5-bit types keep bit 4 of element j in bit j of the 32-bit qh word.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "quant_common.h"
#include "quants.h"
#include "scale_search.h"

namespace tessera {

namespace {

constexpr int QK = 32;  // block length of every type in this file

// The signed value of largest magnitude (the first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int n, float* min, float* max) {
  float lo = FLT_MAX, hi = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    if (x[j] < lo) lo = x[j];
    if (x[j] > hi) hi = x[j];
  }
  *min = lo;
  *max = hi;
}

// The reference converts with a C cast after adding the rounding offset in
// float, i.e. truncation toward zero of the float sum.
inline int trunc_to_int(float v) { return static_cast<int>(v); }

inline uint8_t pack_nibbles(int lo, int hi) { return static_cast<uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4)); }

// Packs 32 five-bit levels: low nibbles into qs, bit 4 into the qh word.
void pack_5bit(const uint8_t* levels, uint8_t* qs, uint8_t* qh_bytes) {
  uint32_t qh = 0;
  for (int j = 0; j < QK / 2; ++j) {
    const uint8_t lo = levels[j], hi = levels[j + QK / 2];
    qs[j] = pack_nibbles(lo, hi);
    qh |= static_cast<uint32_t>((lo >> 4) & 1u) << j;
    qh |= static_cast<uint32_t>((hi >> 4) & 1u) << (j + QK / 2);
  }
  std::memcpy(qh_bytes, &qh, sizeof qh);
}

inline uint32_t read_qh(const uint8_t* qh_bytes) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, sizeof qh);
  return qh;
}

// sigma^2 of a whole row: the imatrix paths add it to x^2 so that small
// weights still count.
float row_mean_square(const float* x, int64_t n) {
  float sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += x[j] * x[j];
  return sum / static_cast<float>(n);
}

void imatrix_weights(const float* xb, const float* qw, float sigma2, float* weight) {
  for (int j = 0; j < QK; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
}

// ---- closed-form (no imatrix) block quantizers ----

void q4_0_block(const float* x, block_q4_0* y) {
  const float d = signed_absmax(x, QK) / -8;
  const float id = d ? 1.0f / d : 0.0f;
  y->d = fp32_to_fp16(d);
  for (int j = 0; j < QK / 2; ++j) {
    const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(trunc_to_int(x[j] * id + 8.5f))));
    const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(trunc_to_int(x[j + QK / 2] * id + 8.5f))));
    y->qs[j] = pack_nibbles(lo, hi);
  }
}

void q4_1_block(const float* x, block_q4_1* y) {
  float min, max;
  min_max(x, QK, &min, &max);
  const float d = (max - min) / 15;
  const float id = d ? 1.0f / d : 0.0f;
  y->d = fp32_to_fp16(d);
  y->m = fp32_to_fp16(min);
  for (int j = 0; j < QK / 2; ++j) {
    const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(trunc_to_int((x[j] - min) * id + 0.5f))));
    const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(trunc_to_int((x[j + QK / 2] - min) * id + 0.5f))));
    y->qs[j] = pack_nibbles(lo, hi);
  }
}

void q5_0_block(const float* x, block_q5_0* y) {
  const float d = signed_absmax(x, QK) / -16;
  const float id = d ? 1.0f / d : 0.0f;
  y->d = fp32_to_fp16(d);
  uint8_t levels[QK];
  for (int j = 0; j < QK; ++j) {
    levels[j] = static_cast<uint8_t>(std::min(31, static_cast<int>(static_cast<int8_t>(trunc_to_int(x[j] * id + 16.5f)))));
  }
  pack_5bit(levels, y->qs, y->qh);
}

void q5_1_block(const float* x, block_q5_1* y) {
  float min, max;
  min_max(x, QK, &min, &max);
  const float d = (max - min) / 31;
  const float id = d ? 1.0f / d : 0.0f;
  y->d = fp32_to_fp16(d);
  y->m = fp32_to_fp16(min);
  uint8_t levels[QK];
  // No clamp here, as in the reference: a level of 32 wraps to 0 when packed.
  for (int j = 0; j < QK; ++j) levels[j] = static_cast<uint8_t>(trunc_to_int((x[j] - min) * id + 0.5f));
  pack_5bit(levels, y->qs, y->qh);
}

// Q8_0 and Q8_1 share the scale and the half-away-from-zero rounding.
float q8_block(const float* x, int8_t* qs) {
  float amax = 0.0f;
  for (int j = 0; j < QK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = d ? 1.0f / d : 0.0f;
  for (int j = 0; j < QK; ++j) qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  return d;
}

// ---- imatrix-weighted row quantizers ----

void q4_0_row_weighted(const float* x, block_q4_0* y, int64_t n_per_row, const float* qw) {
  const float sigma2 = row_mean_square(x, n_per_row);
  float weight[QK];
  int8_t L[QK];
  for (int64_t ib = 0; ib < n_per_row / QK; ++ib) {
    imatrix_weights(x + QK * ib, qw + QK * ib, sigma2, weight);
    const float d = search_symmetric_scale(QK, 8, x + QK * ib, L, weight);
    y[ib].d = fp32_to_fp16(d);
    for (int j = 0; j < QK / 2; ++j) y[ib].qs[j] = pack_nibbles(L[j], L[j + QK / 2]);
  }
}

void q5_0_row_weighted(const float* x, block_q5_0* y, int64_t n_per_row, const float* qw) {
  const float sigma2 = row_mean_square(x, n_per_row);
  float weight[QK];
  int8_t L[QK];
  for (int64_t ib = 0; ib < n_per_row / QK; ++ib) {
    imatrix_weights(x + QK * ib, qw + QK * ib, sigma2, weight);
    y[ib].d = fp32_to_fp16(search_symmetric_scale(QK, 16, x + QK * ib, L, weight));
    pack_5bit(reinterpret_cast<const uint8_t*>(L), y[ib].qs, y[ib].qh);
  }
}

// Shared by Q4_1 (nmax 15) and Q5_1 (nmax 31): writes d, m and the levels.
template <typename Block>
void offset_row_weighted(const float* x, Block* y, int64_t n_per_row, const float* qw, int nmax,
                         void (*pack)(const uint8_t* levels, Block* y)) {
  const float sigma2 = row_mean_square(x, n_per_row);
  float weight[QK];
  uint8_t L[QK], scratch[QK];
  for (int64_t ib = 0; ib < n_per_row / QK; ++ib) {
    imatrix_weights(x + QK * ib, qw + QK * ib, sigma2, weight);
    float neg_min;
    const float d = search_offset_scale(QK, nmax, x + QK * ib, weight, L, &neg_min, scratch, -0.9f, 0.05f, 36);
    y[ib].d = fp32_to_fp16(d);
    y[ib].m = fp32_to_fp16(-neg_min);
    pack(L, &y[ib]);
  }
}

void pack_q4_1(const uint8_t* L, block_q4_1* y) {
  for (int j = 0; j < QK / 2; ++j) y->qs[j] = pack_nibbles(L[j], L[j + QK / 2]);
}
void pack_q5_1(const uint8_t* L, block_q5_1* y) { pack_5bit(L, y->qs, y->qh); }

// Runs a per-block quantizer over every block of every row.
template <typename Block>
size_t each_block(const float* src, void* dst, int64_t nrows, int64_t n_per_row, void (*fn)(const float*, Block*)) {
  const int64_t nblocks = nrows * (n_per_row / QK);
  Block* y = static_cast<Block*>(dst);
  for (int64_t i = 0; i < nblocks; ++i) fn(src + QK * i, y + i);
  return static_cast<size_t>(nblocks) * sizeof(Block);
}

// Runs a row quantizer (imatrix path) over every row.
template <typename Block, typename RowFn>
size_t each_row(const float* src, void* dst, int64_t nrows, int64_t n_per_row, RowFn fn) {
  const int64_t blocks_per_row = n_per_row / QK;
  Block* y = static_cast<Block*>(dst);
  for (int64_t r = 0; r < nrows; ++r) fn(src + r * n_per_row, y + r * blocks_per_row);
  return static_cast<size_t>(nrows * blocks_per_row) * sizeof(Block);
}

}  // namespace

size_t quantize_q4_0(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (!imatrix) return each_block<block_q4_0>(src, dst, nrows, n_per_row, q4_0_block);
  return each_row<block_q4_0>(src, dst, nrows, n_per_row,
                              [&](const float* x, block_q4_0* y) { q4_0_row_weighted(x, y, n_per_row, imatrix); });
}

size_t quantize_q4_1(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (!imatrix) return each_block<block_q4_1>(src, dst, nrows, n_per_row, q4_1_block);
  return each_row<block_q4_1>(src, dst, nrows, n_per_row, [&](const float* x, block_q4_1* y) {
    offset_row_weighted<block_q4_1>(x, y, n_per_row, imatrix, 15, pack_q4_1);
  });
}

size_t quantize_q5_0(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (!imatrix) return each_block<block_q5_0>(src, dst, nrows, n_per_row, q5_0_block);
  return each_row<block_q5_0>(src, dst, nrows, n_per_row,
                              [&](const float* x, block_q5_0* y) { q5_0_row_weighted(x, y, n_per_row, imatrix); });
}

size_t quantize_q5_1(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (!imatrix) return each_block<block_q5_1>(src, dst, nrows, n_per_row, q5_1_block);
  return each_row<block_q5_1>(src, dst, nrows, n_per_row, [&](const float* x, block_q5_1* y) {
    offset_row_weighted<block_q5_1>(x, y, n_per_row, imatrix, 31, pack_q5_1);
  });
}

// Q8_0 has no weighted variant: the imatrix is ignored, as in the reference.
size_t quantize_q8_0(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  return each_block<block_q8_0>(src, dst, nrows, n_per_row,
                                [](const float* x, block_q8_0* y) { y->d = fp32_to_fp16(q8_block(x, y->qs)); });
}

void quantize_row_q8_1(const float* src, void* dst, int64_t k) {
  block_q8_1* y = static_cast<block_q8_1*>(dst);
  for (int64_t i = 0; i < k / QK; ++i) {
    const float d = q8_block(src + QK * i, y[i].qs);
    int sum = 0;
    for (int j = 0; j < QK; ++j) sum += y[i].qs[j];
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

// ---- dequantization ----

void dequantize_row_q4_0(const void* src, float* dst, int64_t k) {
  const block_q4_0* x = static_cast<const block_q4_0*>(src);
  for (int64_t i = 0; i < k / QK; ++i, dst += QK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < QK / 2; ++j) {
      dst[j] = static_cast<float>((x[i].qs[j] & 0x0f) - 8) * d;
      dst[j + QK / 2] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_1(const void* src, float* dst, int64_t k) {
  const block_q4_1* x = static_cast<const block_q4_1*>(src);
  for (int64_t i = 0; i < k / QK; ++i, dst += QK) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    for (int j = 0; j < QK / 2; ++j) {
      dst[j] = static_cast<float>(x[i].qs[j] & 0x0f) * d + m;
      dst[j + QK / 2] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_row_q5_0(const void* src, float* dst, int64_t k) {
  const block_q5_0* x = static_cast<const block_q5_0*>(src);
  for (int64_t i = 0; i < k / QK; ++i, dst += QK) {
    const float d = fp16_to_fp32(x[i].d);
    const uint32_t qh = read_qh(x[i].qh);
    for (int j = 0; j < QK / 2; ++j) {
      const int lo = (x[i].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[i].qs[j] >> 4) | static_cast<int>(((qh >> (j + QK / 2)) & 1u) << 4);
      dst[j] = static_cast<float>(lo - 16) * d;
      dst[j + QK / 2] = static_cast<float>(hi - 16) * d;
    }
  }
}

void dequantize_row_q5_1(const void* src, float* dst, int64_t k) {
  const block_q5_1* x = static_cast<const block_q5_1*>(src);
  for (int64_t i = 0; i < k / QK; ++i, dst += QK) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    const uint32_t qh = read_qh(x[i].qh);
    for (int j = 0; j < QK / 2; ++j) {
      const int lo = (x[i].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[i].qs[j] >> 4) | static_cast<int>(((qh >> (j + QK / 2)) & 1u) << 4);
      dst[j] = static_cast<float>(lo) * d + m;
      dst[j + QK / 2] = static_cast<float>(hi) * d + m;
    }
  }
}

void dequantize_row_q8_0(const void* src, float* dst, int64_t k) {
  const block_q8_0* x = static_cast<const block_q8_0*>(src);
  for (int64_t i = 0; i < k / QK; ++i, dst += QK) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < QK; ++j) dst[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

}  // namespace tessera
