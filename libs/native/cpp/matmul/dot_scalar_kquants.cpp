// Scalar reference dot products for the 256-element super-block types
// (K-quants and IQ4_XS). Each super-block is unpacked to one signed value per
// element; its scale-weighted integer sum is exact, and super-blocks are
// combined in float in order. Ground truth for the SIMD kernels.
#include <cstddef>
#include "matmul/kernels.h"
#include "matmul/kquant_scales.h"
#include "matmul/scalar_dots.h"
#include "quants/quant_common.h"

namespace tessera {
namespace mm {
namespace {

// Sum over elements of group g (of `size` elements) of w * y.
inline int group_dot(const int8_t* w, const int8_t* y, int g, int size) {
  int s = 0;
  for (int l = g * size; l < (g + 1) * size; ++l) s += w[l] * y[l];
  return s;
}

// Min term of Q2_K / Q4_K / Q5_K: sum over groups of min * (sum of y in the
// group), from the activation's per-16 sums.
inline int min_term(const int16_t* bsums, const uint8_t* mins, int group_size) {
  int s = 0;
  const int per_group = group_size / 16;
  for (int j = 0; j < QK_K / 16; ++j) s += mins[j / per_group] * bsums[j];
  return s;
}

}  // namespace

float dot_q2_K_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q2_K*>(w);
  const auto* y = static_cast<const block_q8_K*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    int8_t v[QK_K];
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s)
        for (int l = 0; l < 32; ++l) v[128 * h + 32 * s + l] = (x[i].qs[32 * h + l] >> (2 * s)) & 3;
    uint8_t mins[16];
    int isum = 0;
    for (int g = 0; g < 16; ++g) {
      mins[g] = x[i].scales[g] >> 4;
      isum += (x[i].scales[g] & 0xF) * group_dot(v, y[i].qs, g, 16);
    }
    const int msum = min_term(y[i].bsums, mins, 16);
    const float dall = fp16_to_fp32(x[i].d) * y[i].d;
    const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(msum);
  }
  return sum;
}

float dot_q3_K_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q3_K*>(w);
  const auto* y = static_cast<const block_q8_K*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    int8_t v[QK_K];
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s) {
        const uint8_t bit = static_cast<uint8_t>(1u << (4 * h + s));
        for (int l = 0; l < 32; ++l) {
          const int low = (x[i].qs[32 * h + l] >> (2 * s)) & 3;
          v[128 * h + 32 * s + l] = static_cast<int8_t>(low - ((x[i].hmask[l] & bit) ? 0 : 4));
        }
      }
    int8_t scales[16];
    unpack_q3k_scales(x[i].scales, scales);
    int isum = 0;
    for (int g = 0; g < 16; ++g) isum += scales[g] * group_dot(v, y[i].qs, g, 16);
    sum += (fp16_to_fp32(x[i].d) * y[i].d) * static_cast<float>(isum);
  }
  return sum;
}

namespace {
// Q4_K and Q5_K differ only in the fifth bit; `qh` is null for Q4_K.
float dot_k4_like(int64_t n, const uint8_t* base, size_t block_bytes, size_t qs_offset,
                  const uint8_t* qh_of_block0, const void* xq) {
  const auto* y = static_cast<const block_q8_K*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const uint8_t* b = base + i * block_bytes;
    const uint8_t* qs = b + qs_offset;
    const uint8_t* qh = qh_of_block0 ? qh_of_block0 + i * block_bytes : nullptr;
    int8_t v[QK_K];
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        int lo = qs[32 * c + l] & 0xF, hi = qs[32 * c + l] >> 4;
        if (qh) {
          lo |= ((qh[l] >> (2 * c)) & 1) << 4;
          hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
        }
        v[64 * c + l] = static_cast<int8_t>(lo);
        v[64 * c + 32 + l] = static_cast<int8_t>(hi);
      }
    uint8_t scales[8], mins[8];
    unpack_k4_scales(b + 4, scales, mins);  // d, dmin (2 x fp16) come first
    int isum = 0;
    for (int g = 0; g < 8; ++g) isum += scales[g] * group_dot(v, y[i].qs, g, 32);
    const int msum = min_term(y[i].bsums, mins, 32);
    const uint16_t d = static_cast<uint16_t>(b[0] | (b[1] << 8));
    const uint16_t dm = static_cast<uint16_t>(b[2] | (b[3] << 8));
    const float dall = fp16_to_fp32(d) * y[i].d;
    const float dmin = fp16_to_fp32(dm) * y[i].d;
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(msum);
  }
  return sum;
}
}  // namespace

float dot_q4_K_scalar(int64_t n, const void* w, const void* xq) {
  return dot_k4_like(n, static_cast<const uint8_t*>(w), sizeof(block_q4_K),
                     offsetof(block_q4_K, qs), nullptr, xq);
}

float dot_q5_K_scalar(int64_t n, const void* w, const void* xq) {
  const auto* b = static_cast<const uint8_t*>(w);
  return dot_k4_like(n, b, sizeof(block_q5_K), offsetof(block_q5_K, qs),
                     b + offsetof(block_q5_K, qh), xq);
}

float dot_q6_K_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q6_K*>(w);
  const auto* y = static_cast<const block_q8_K*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    int8_t v[QK_K];
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x[i].ql + 64 * h;
      const uint8_t* qh = x[i].qh + 32 * h;
      int8_t* o = v + 128 * h;
      for (int l = 0; l < 32; ++l) {
        o[l] = static_cast<int8_t>(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        o[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        o[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        o[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
    }
    int isum = 0;
    for (int g = 0; g < 16; ++g) isum += x[i].scales[g] * group_dot(v, y[i].qs, g, 16);
    sum += (fp16_to_fp32(x[i].d) * y[i].d) * static_cast<float>(isum);
  }
  return sum;
}

float dot_iq4_xs_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_iq4_xs*>(w);
  const auto* y = static_cast<const block_q8_K*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    int8_t v[QK_K];
    for (int ib = 0; ib < 8; ++ib)
      for (int l = 0; l < 16; ++l) {
        v[32 * ib + l] = kvalues_iq4nl[x[i].qs[16 * ib + l] & 0xF];
        v[32 * ib + 16 + l] = kvalues_iq4nl[x[i].qs[16 * ib + l] >> 4];
      }
    int isum = 0;
    for (int g = 0; g < 8; ++g)
      isum += iq4xs_scale(x[i].scales_l, x[i].scales_h, g) * group_dot(v, y[i].qs, g, 32);
    sum += (fp16_to_fp32(x[i].d) * y[i].d) * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace mm
}  // namespace tessera
