// IQ4 codebook search eight values at a time. Exactness: the index is the
// count of codebook entries v[1..14] with !(x < v) (what a bisection finds,
// NaN included), the tie rule is the scalar one, products are the same
// float multiplications in the same order, and the two sums are accumulated
// in index order by scalar adds, exactly as in the scalar search. The 15
// scale tries of a block run one per lane instead (two vectors, one spare
// lane): each lane then accumulates its own sums in index order, with the
// scalar operations, and no long chain of dependent scalar adds remains.
#include <immintrin.h>

#include "iq4_search.h"
#include "simd_kernels.h"

namespace tessera {

namespace {

struct Avx2Codebook {
  // Codebook entries for eight indices (0..15) from two 8-entry halves.
  static __m256 lookup(__m256i idx, __m256 low_half, __m256 high_half) {
    const __m256 from_low = _mm256_permutevar8x32_ps(low_half, idx);
    const __m256 from_high = _mm256_permutevar8x32_ps(high_half, idx);
    const __m256 use_high = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7)));
    return _mm256_blendv_ps(from_low, from_high, use_high);
  }

  // Nearest codebook index of each lane of x.
  static __m256i index8(__m256 x, __m256 low_half, __m256 high_half) {
    __m256i lo = _mm256_setzero_si256();
    for (int i = 1; i < 15; ++i) {
      const __m256 not_below = _mm256_cmp_ps(x, _mm256_set1_ps(kIq4Codebook[i]), _CMP_NLT_UQ);
      lo = _mm256_sub_epi32(lo, _mm256_castps_si256(not_below));  // a true mask is -1
    }
    const __m256i hi = _mm256_add_epi32(lo, _mm256_set1_epi32(1));
    const __m256 below = _mm256_sub_ps(x, lookup(lo, low_half, high_half));
    const __m256 above = _mm256_sub_ps(lookup(hi, low_half, high_half), x);
    const __m256 take_lo = _mm256_cmp_ps(below, above, _CMP_LT_OQ);
    return _mm256_add_epi32(hi, _mm256_castps_si256(take_lo));  // hi - 1 where the lower entry is closer
  }

  static void store_indices(__m256i idx, uint8_t* L) {
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), idx);
    for (int j = 0; j < 8; ++j) L[j] = static_cast<uint8_t>(lanes[j]);
  }

  static void sums(const float* xb, const float* weight, float id, float* sumqx, float* sumq2, uint8_t* L) {
    const __m256 low_half = _mm256_loadu_ps(kIq4Codebook), high_half = _mm256_loadu_ps(kIq4Codebook + 8);
    const __m256 vid = _mm256_set1_ps(id);
    alignas(32) float pqx[kIq4Block], pq2[kIq4Block];
    for (int j = 0; j < kIq4Block; j += 8) {
      const __m256 x = _mm256_loadu_ps(xb + j);
      const __m256i idx = index8(_mm256_mul_ps(vid, x), low_half, high_half);
      if (L) store_indices(idx, L + j);
      const __m256 q = lookup(idx, low_half, high_half);
      const __m256 wq = _mm256_mul_ps(_mm256_loadu_ps(weight + j), q);
      _mm256_store_ps(pqx + j, _mm256_mul_ps(wq, x));
      _mm256_store_ps(pq2 + j, _mm256_mul_ps(wq, q));
    }
    float qx = 0, q2 = 0;
    for (int j = 0; j < kIq4Block; ++j) {
      qx += pqx[j];
      q2 += pq2[j];
    }
    *sumqx = qx;
    *sumq2 = q2;
  }

  static void sums_of_tries(const float* xb, const float* weight, const float* ids, float* sumqx, float* sumq2) {
    static_assert(kIq4TryCount <= 16, "the tries fill two vectors");
    const __m256 low_half = _mm256_loadu_ps(kIq4Codebook), high_half = _mm256_loadu_ps(kIq4Codebook + 8);
    alignas(32) float id16[16];
    for (int t = 0; t < 16; ++t) id16[t] = ids[t < kIq4TryCount ? t : kIq4TryCount - 1];
    const __m256 vid[2] = {_mm256_load_ps(id16), _mm256_load_ps(id16 + 8)};
    __m256 qx[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    __m256 q2[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int j = 0; j < kIq4Block; ++j) {
      const __m256 x = _mm256_set1_ps(xb[j]), w = _mm256_set1_ps(weight[j]);
      for (int h = 0; h < 2; ++h) {
        const __m256 q = lookup(index8(_mm256_mul_ps(vid[h], x), low_half, high_half), low_half, high_half);
        const __m256 wq = _mm256_mul_ps(w, q);
        qx[h] = _mm256_add_ps(qx[h], _mm256_mul_ps(wq, x));
        q2[h] = _mm256_add_ps(q2[h], _mm256_mul_ps(wq, q));
      }
    }
    alignas(32) float out_qx[16], out_q2[16];
    for (int h = 0; h < 2; ++h) {
      _mm256_store_ps(out_qx + 8 * h, qx[h]);
      _mm256_store_ps(out_q2 + 8 * h, q2[h]);
    }
    for (int t = 0; t < kIq4TryCount; ++t) {
      sumqx[t] = out_qx[t];
      sumq2[t] = out_q2[t];
    }
  }

  static void indices(const float* xb, float id, uint8_t* L) {
    const __m256 low_half = _mm256_loadu_ps(kIq4Codebook), high_half = _mm256_loadu_ps(kIq4Codebook + 8);
    const __m256 vid = _mm256_set1_ps(id);
    for (int j = 0; j < kIq4Block; j += 8) {
      store_indices(index8(_mm256_mul_ps(vid, _mm256_loadu_ps(xb + j)), low_half, high_half), L + j);
    }
  }
};

}  // namespace

size_t quantize_iq4_nl_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_nl_rows<Avx2Codebook>(src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_iq4_xs_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_xs_rows<Avx2Codebook>(src, dst, nrows, n_per_row, imatrix);
}

}  // namespace tessera
