// IQ4 codebook search sixteen lanes at a time (AVX-512F), with the exactness
// rules of iq4_avx2.cpp: the same float operations in the same order, sums
// accumulated in index order (by scalar adds, or one try per lane). The whole
// 16-entry codebook fits one register, so a lookup is one permute, and the
// index comes from a 4-step bisection: the entries are sorted, so !(x < v[i])
// holds for i = 1..count and fails after, or holds for every i when x is NaN;
// capping the result at 14 gives the scalar count over v[1..14].
#include <immintrin.h>

#include "iq4_search.h"
#include "simd_kernels.h"

namespace tessera {

namespace {

// Unmasked forms of these intrinsics start from an "undefined" register that
// GCC 12 then reports as maybe uninitialized; the all-lanes masked forms with
// an explicit source compute the same and keep the build quiet.
__m512 permute(__m512i idx, __m512 table) { return _mm512_mask_permutexvar_ps(table, 0xffff, idx, table); }
__m512i min_epi32(__m512i a, __m512i b) { return _mm512_mask_min_epi32(a, 0xffff, a, b); }
void store_bytes(__m512i idx, uint8_t* L) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(L), _mm512_mask_cvtepi32_epi8(_mm_setzero_si128(), 0xffff, idx));
}

struct Avx512Codebook {
  static __m512 codebook() { return _mm512_loadu_ps(kIq4Codebook); }

  // Nearest codebook index of each lane of x.
  static __m512i index16(__m512 x, __m512 cb) {
    const __m512i one = _mm512_set1_epi32(1);
    __m512i count = _mm512_setzero_si512();
    for (int step = 8; step >= 1; step /= 2) {
      const __m512i probe = _mm512_add_epi32(count, _mm512_set1_epi32(step));
      const __mmask16 not_below = _mm512_cmp_ps_mask(x, permute(probe, cb), _CMP_NLT_UQ);
      count = _mm512_mask_mov_epi32(count, not_below, probe);
    }
    const __m512i lo = min_epi32(count, _mm512_set1_epi32(14));
    const __m512i hi = _mm512_add_epi32(lo, one);
    const __m512 below = _mm512_sub_ps(x, permute(lo, cb));
    const __m512 above = _mm512_sub_ps(permute(hi, cb), x);
    const __mmask16 take_lo = _mm512_cmp_ps_mask(below, above, _CMP_LT_OQ);
    return _mm512_mask_sub_epi32(hi, take_lo, hi, one);
  }

  static void sums(const float* xb, const float* weight, float id, float* sumqx, float* sumq2, uint8_t* L) {
    const __m512 cb = codebook(), vid = _mm512_set1_ps(id);
    alignas(64) float pqx[kIq4Block], pq2[kIq4Block];
    for (int j = 0; j < kIq4Block; j += 16) {
      const __m512 x = _mm512_loadu_ps(xb + j);
      const __m512i idx = index16(_mm512_mul_ps(vid, x), cb);
      if (L) store_bytes(idx, L + j);
      const __m512 q = permute(idx, cb);
      const __m512 wq = _mm512_mul_ps(_mm512_loadu_ps(weight + j), q);
      _mm512_store_ps(pqx + j, _mm512_mul_ps(wq, x));
      _mm512_store_ps(pq2 + j, _mm512_mul_ps(wq, q));
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
    static_assert(kIq4TryCount <= 16, "the tries fill one vector");
    const __m512 cb = codebook();
    alignas(64) float id16[16];
    for (int t = 0; t < 16; ++t) id16[t] = ids[t < kIq4TryCount ? t : kIq4TryCount - 1];
    const __m512 vid = _mm512_load_ps(id16);
    __m512 qx = _mm512_setzero_ps(), q2 = _mm512_setzero_ps();
    for (int j = 0; j < kIq4Block; ++j) {
      const __m512 x = _mm512_set1_ps(xb[j]), w = _mm512_set1_ps(weight[j]);
      const __m512 q = permute(index16(_mm512_mul_ps(vid, x), cb), cb);
      const __m512 wq = _mm512_mul_ps(w, q);
      qx = _mm512_add_ps(qx, _mm512_mul_ps(wq, x));
      q2 = _mm512_add_ps(q2, _mm512_mul_ps(wq, q));
    }
    alignas(64) float out_qx[16], out_q2[16];
    _mm512_store_ps(out_qx, qx);
    _mm512_store_ps(out_q2, q2);
    for (int t = 0; t < kIq4TryCount; ++t) {
      sumqx[t] = out_qx[t];
      sumq2[t] = out_q2[t];
    }
  }

  static void indices(const float* xb, float id, uint8_t* L) {
    const __m512 cb = codebook(), vid = _mm512_set1_ps(id);
    for (int j = 0; j < kIq4Block; j += 16) {
      const __m512i idx = index16(_mm512_mul_ps(vid, _mm512_loadu_ps(xb + j)), cb);
      store_bytes(idx, L + j);
    }
  }
};

}  // namespace

size_t quantize_iq4_nl_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_nl_rows<Avx512Codebook>(src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_iq4_xs_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return iq4_xs_rows<Avx512Codebook>(src, dst, nrows, n_per_row, imatrix);
}

}  // namespace tessera
