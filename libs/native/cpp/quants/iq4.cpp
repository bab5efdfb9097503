// IQ4_NL (32-value blocks) and IQ4_XS (256-value super-blocks of eight
// 32-value blocks with 6-bit sub-scales): 4-bit indices into the non-linear
// codebook kvalues_iq4nl. Both always run the scale search (iq4_search.h),
// with or without an imatrix, as the reference's file quantizer does.
#include "iq4_search.h"
#include "quants.h"

namespace tessera {

namespace {

struct ScalarCodebook {
  static void sums(const float* xb, const float* weight, float id, float* sumqx, float* sumq2, uint8_t* L) {
    float qx = 0, q2 = 0;
    for (int j = 0; j < kIq4Block; ++j) {
      const int l = nearest_table_index(kIq4Codebook, 16, id * xb[j]);
      if (L) L[j] = static_cast<uint8_t>(l);
      const float q = kIq4Codebook[l];
      const float wq = weight[j] * q;
      qx += wq * xb[j];
      q2 += wq * q;
    }
    *sumqx = qx;
    *sumq2 = q2;
  }
  static void indices(const float* xb, float id, uint8_t* L) {
    for (int j = 0; j < kIq4Block; ++j) L[j] = static_cast<uint8_t>(nearest_table_index(kIq4Codebook, 16, id * xb[j]));
  }
  static void sums_of_tries(const float* xb, const float* weight, const float* ids, float* sumqx, float* sumq2) {
    for (int t = 0; t < kIq4TryCount; ++t) sums(xb, weight, ids[t], &sumqx[t], &sumq2[t], nullptr);
  }
};

}  // namespace

size_t quantize_iq4_nl(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_nl_rows<ScalarCodebook>(src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_iq4_xs(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_xs_rows<ScalarCodebook>(src, dst, nrows, n_per_row, imatrix);
}

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t k) {
  const block_iq4_nl* x = static_cast<const block_iq4_nl*>(src);
  for (int64_t i = 0; i < k / QK4_NL; ++i, dst += QK4_NL) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < QK4_NL / 2; ++j) {
      dst[j] = d * kIq4Codebook[x[i].qs[j] & 0xf];
      dst[j + QK4_NL / 2] = d * kIq4Codebook[x[i].qs[j] >> 4];
    }
  }
}

void dequantize_row_iq4_xs(const void* src, float* dst, int64_t k) {
  const block_iq4_xs* x = static_cast<const block_iq4_xs*>(src);
  for (int64_t i = 0; i < k / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < QK_K / kIq4Block; ++ib, dst += kIq4Block) {
      const int ls = ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((x[i].scales_h >> (2 * ib)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      const uint8_t* qs = x[i].qs + ib * (kIq4Block / 2);
      for (int j = 0; j < kIq4Block / 2; ++j) {
        dst[j] = dl * kIq4Codebook[qs[j] & 0xf];
        dst[j + kIq4Block / 2] = dl * kIq4Codebook[qs[j] >> 4];
      }
    }
  }
}

}  // namespace tessera
