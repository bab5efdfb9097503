// K-quant dequantizers: k floats from k/256 super-blocks. Each product is
// formed in the reference's order (unit * code first, then * level, then
// minus the offset), so the floats are bit-identical to the reference's.
#include "kquants_layout.h"
#include "quant_common.h"
#include "quants.h"

namespace tessera {

void dequantize_row_q2_K(const void* src, float* dst, int64_t k) {
  const block_q2_K* x = static_cast<const block_q2_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    const float dmin = fp16_to_fp32(x->dmin);
    for (int e = 0; e < QK_K; ++e) {
      const uint8_t sc = x->scales[e / 16];
      const float dl = d * static_cast<float>(sc & 0xF);
      const float ml = dmin * static_cast<float>(sc >> 4);
      *dst++ = dl * static_cast<float>(kquant::unpack_2bit(x->qs, e)) - ml;
    }
  }
}

void dequantize_row_q3_K(const void* src, float* dst, int64_t k) {
  const block_q3_K* x = static_cast<const block_q3_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    float dl[16];
    for (int j = 0; j < 16; ++j) dl[j] = d * static_cast<float>(kquant::q3_scale_code(x->scales, j) - 32);
    for (int e = 0; e < QK_K; ++e) {
      const bool high = (x->hmask[e % 32] >> (e / 32)) & 1;
      const int q = kquant::unpack_2bit(x->qs, e) - (high ? 0 : 4);
      *dst++ = dl[e / 16] * static_cast<float>(q);
    }
  }
}

void dequantize_row_q4_K(const void* src, float* dst, int64_t k) {
  const block_q4_K* x = static_cast<const block_q4_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    const float dmin = fp16_to_fp32(x->dmin);
    for (int j = 0; j < 8; ++j) {
      int sc, mn;
      kquant::unpack_scale_min_k4(x->scales, j, &sc, &mn);
      const float dl = d * static_cast<float>(sc);
      const float ml = dmin * static_cast<float>(mn);
      const uint8_t* q = x->qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) *dst++ = dl * static_cast<float>((q[l] >> shift) & 0xF) - ml;
    }
  }
}

void dequantize_row_q5_K(const void* src, float* dst, int64_t k) {
  const block_q5_K* x = static_cast<const block_q5_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    const float dmin = fp16_to_fp32(x->dmin);
    for (int j = 0; j < 8; ++j) {
      int sc, mn;
      kquant::unpack_scale_min_k4(x->scales, j, &sc, &mn);
      const float dl = d * static_cast<float>(sc);
      const float ml = dmin * static_cast<float>(mn);
      const uint8_t* q = x->qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) {
        const int level = ((q[l] >> shift) & 0xF) | (((x->qh[l] >> j) & 1) << 4);
        *dst++ = dl * static_cast<float>(level) - ml;
      }
    }
  }
}

void dequantize_row_q6_K(const void* src, float* dst, int64_t k) {
  const block_q6_K* x = static_cast<const block_q6_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    for (int e = 0; e < QK_K; ++e) {
      const int half = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
      // quarters 0/1 use the low nibbles of ql[l] / ql[l+32], quarters 2/3 the high ones
      const uint8_t lo = x->ql[64 * half + l + 32 * (quarter % 2)];
      const int low4 = quarter < 2 ? (lo & 0xF) : (lo >> 4);
      const int top2 = (x->qh[32 * half + l] >> (2 * quarter)) & 3;
      const float dl = d * static_cast<float>(x->scales[e / 16]);
      *dst++ = dl * static_cast<float>((low4 | (top2 << 4)) - 32);
    }
  }
}

}  // namespace tessera
