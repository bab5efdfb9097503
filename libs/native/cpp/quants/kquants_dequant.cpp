// K-quant dequantizers: k floats from k/256 super-blocks. Each product is
// formed in the reference's order (unit * code first, then * level, then
// minus the offset), so the floats are bit-identical to the reference's.
#include "kquants_layout.h"
#include "quant_common.h"
#include "quants.h"

namespace tessera {

namespace {
inline const uint8_t* high_bits(const block_q4_K*) { return nullptr; }  // never read
inline const uint8_t* high_bits(const block_q5_K* x) { return x->qh; }
}  // namespace

// Q2_K and Q3_K walk the 2-bit layout directly: half h, bit pair k, and the
// two 16-element sub-blocks s that share each byte range.
void dequantize_row_q2_K(const void* src, float* dst, int64_t k) {
  const block_q2_K* x = static_cast<const block_q2_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    const float dmin = fp16_to_fp32(x->dmin);
    for (int h = 0; h < 2; ++h) {
      for (int pair = 0; pair < 4; ++pair) {
        for (int s = 0; s < 2; ++s) {
          const uint8_t sc = x->scales[8 * h + 2 * pair + s];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = dmin * static_cast<float>(sc >> 4);
          const uint8_t* q = x->qs + 32 * h + 16 * s;
          for (int l = 0; l < 16; ++l) *dst++ = dl * static_cast<float>((q[l] >> (2 * pair)) & 3) - ml;
        }
      }
    }
  }
}

void dequantize_row_q3_K(const void* src, float* dst, int64_t k) {
  const block_q3_K* x = static_cast<const block_q3_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    for (int h = 0; h < 2; ++h) {
      for (int pair = 0; pair < 4; ++pair) {
        const int hbit = 4 * h + pair;  // element e's high bit is hmask[e % 32] bit e / 32
        for (int s = 0; s < 2; ++s) {
          const float dl = d * static_cast<float>(kquant::q3_scale_code(x->scales, 8 * h + 2 * pair + s) - 32);
          const uint8_t* q = x->qs + 32 * h + 16 * s;
          const uint8_t* hm = x->hmask + 16 * s;
          for (int l = 0; l < 16; ++l) {
            const int level = ((q[l] >> (2 * pair)) & 3) - (((hm[l] >> hbit) & 1) ? 0 : 4);
            *dst++ = dl * static_cast<float>(level);
          }
        }
      }
    }
  }
}

// Q4_K / Q5_K: chunk c (64 elements) holds sub-block 2c in the low nibbles of
// qs[32c..32c+31] and sub-block 2c+1 in the high nibbles; Q5_K adds bit 4 from
// qh[l] bit 2c (low sub-block) or 2c+1 (high sub-block).
template <bool FIVE_BITS, typename Block>
void dequantize_k4_like(const Block* x, float* dst, int64_t nblocks) {
  for (int64_t b = 0; b < nblocks; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    const float dmin = fp16_to_fp32(x->dmin);
    for (int c = 0; c < 4; ++c) {
      int sc_lo, mn_lo, sc_hi, mn_hi;
      kquant::unpack_scale_min_k4(x->scales, 2 * c, &sc_lo, &mn_lo);
      kquant::unpack_scale_min_k4(x->scales, 2 * c + 1, &sc_hi, &mn_hi);
      const float dl_lo = d * static_cast<float>(sc_lo), ml_lo = dmin * static_cast<float>(mn_lo);
      const float dl_hi = d * static_cast<float>(sc_hi), ml_hi = dmin * static_cast<float>(mn_hi);
      const uint8_t* q = x->qs + 32 * c;
      for (int l = 0; l < 32; ++l) {
        int level = q[l] & 0xF;
        if (FIVE_BITS) level += (high_bits(x)[l] >> (2 * c)) & 1 ? 16 : 0;
        dst[l] = dl_lo * static_cast<float>(level) - ml_lo;
      }
      for (int l = 0; l < 32; ++l) {
        int level = q[l] >> 4;
        if (FIVE_BITS) level += (high_bits(x)[l] >> (2 * c + 1)) & 1 ? 16 : 0;
        dst[32 + l] = dl_hi * static_cast<float>(level) - ml_hi;
      }
      dst += 64;
    }
  }
}

void dequantize_row_q4_K(const void* src, float* dst, int64_t k) {
  dequantize_k4_like<false>(static_cast<const block_q4_K*>(src), dst, k / QK_K);
}

void dequantize_row_q5_K(const void* src, float* dst, int64_t k) {
  dequantize_k4_like<true>(static_cast<const block_q5_K*>(src), dst, k / QK_K);
}

void dequantize_row_q6_K(const void* src, float* dst, int64_t k) {
  const block_q6_K* x = static_cast<const block_q6_K*>(src);
  for (int64_t b = 0; b < k / QK_K; ++b, ++x) {
    const float d = fp16_to_fp32(x->d);
    for (int h = 0; h < 2; ++h) {
      // quarter q of the half: low nibbles of ql[l] (q=0), ql[l+32] (q=1), then
      // their high nibbles (q=2, 3); top bits from qh[l] bit pair q.
      for (int quarter = 0; quarter < 4; ++quarter) {
        const uint8_t* lo = x->ql + 64 * h + 32 * (quarter % 2);
        const uint8_t* hi = x->qh + 32 * h;
        const int nibble_shift = quarter < 2 ? 0 : 4;
        for (int s = 0; s < 2; ++s) {
          const float dl = d * static_cast<float>(x->scales[8 * h + 2 * quarter + s]);
          for (int l = 16 * s; l < 16 * s + 16; ++l) {
            const int level = (((lo[l] >> nibble_shift) & 0xF) | (((hi[l] >> (2 * quarter)) & 3) << 4)) - 32;
            *dst++ = dl * static_cast<float>(level);
          }
        }
      }
    }
  }
}

}  // namespace tessera
