// AVX-512 log-sum-exp kernels: 16 floats a step, exp in float (see
// exp_shifted_math.h), the sum in two double accumulators.
#include <immintrin.h>

#include <limits>

#include "sampling/exp_shifted_math.h"
#include "sampling/log_sum_exp.h"

namespace tessera {

namespace {

using namespace exp_shifted;

// Lanes of the tail past n read as -inf, which every kernel here ignores.
__mmask16 tail_mask(int32_t left) { return static_cast<__mmask16>((1u << left) - 1); }

__m512 exp_shifted16(__m512 x, __m512 max) {
  const __m512 s = _mm512_sub_ps(x, max);
  // TwoSum: e is exactly (x - max) - s.
  const __m512 back = _mm512_sub_ps(s, x);
  const __m512 e = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_sub_ps(s, back)), _mm512_add_ps(max, back));
  const __mmask16 live = _mm512_cmp_ps_mask(s, _mm512_set1_ps(kCutoff), _CMP_NLT_UQ);  // NaN stays live
  const __m512 sc = _mm512_max_ps(_mm512_set1_ps(kCutoff), s);  // a NaN s is kept (second operand)
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(sc, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fmadd_ps(k, _mm512_set1_ps(-kLn2Hi), sc);
  r = _mm512_add_ps(_mm512_fmadd_ps(k, _mm512_set1_ps(-kLn2Lo), r), e);
  __m512 p = _mm512_set1_ps(kInvFact[0]);
  for (int j = 1; j < 6; ++j) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kInvFact[j]));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(live, p, k);
}

__m512d add_as_doubles(__m512d acc, __m512 v, bool high) {
  const __m256 half = high ? _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)) : _mm512_castps512_ps256(v);
  return _mm512_add_pd(acc, _mm512_cvtps_pd(half));
}

}  // namespace

float row_max_avx512(const float* x, int32_t n) {
  const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  // max_ps returns its second operand when either is NaN, so NaN x never enters.
  __m512 acc0 = neg_inf, acc1 = neg_inf;
  int32_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm512_max_ps(_mm512_loadu_ps(x + i), acc0);
    acc1 = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), acc1);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_max_ps(_mm512_loadu_ps(x + i), acc0);
  if (i < n) acc0 = _mm512_max_ps(_mm512_mask_loadu_ps(neg_inf, tail_mask(n - i), x + i), acc0);
  return _mm512_reduce_max_ps(_mm512_max_ps(acc0, acc1));
}

double sum_exp_shifted_avx512(const float* x, int32_t n, float max) {
  const __m512 m = _mm512_set1_ps(max);
  __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = exp_shifted16(_mm512_loadu_ps(x + i), m);
    lo = add_as_doubles(lo, v, false);
    hi = add_as_doubles(hi, v, true);
  }
  if (i < n) {
    const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const __m512 v = exp_shifted16(_mm512_mask_loadu_ps(neg_inf, tail_mask(n - i), x + i), m);
    lo = add_as_doubles(lo, v, false);
    hi = add_as_doubles(hi, v, true);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}

}  // namespace tessera
