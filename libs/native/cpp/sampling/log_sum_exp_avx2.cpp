// AVX2 log-sum-exp kernels: 8 floats a step, exp in float (see
// exp_shifted_math.h), the sum in two double accumulators.
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "sampling/exp_shifted_math.h"
#include "sampling/log_sum_exp.h"

namespace tessera {

namespace {

using namespace exp_shifted;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// The last n % 8 entries, padded with -inf (which every kernel here ignores).
__m256 load_tail(const float* x, int32_t left) {
  alignas(32) float buf[8];
  std::fill(buf, buf + 8, kNegInf);
  std::copy(x, x + left, buf);
  return _mm256_load_ps(buf);
}

__m256 exp_shifted8(__m256 x, __m256 max) {
  const __m256 s = _mm256_sub_ps(x, max);
  // TwoSum: e is exactly (x - max) - s.
  const __m256 back = _mm256_sub_ps(s, x);
  const __m256 e = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_sub_ps(s, back)), _mm256_add_ps(max, back));
  const __m256 dead = _mm256_cmp_ps(s, _mm256_set1_ps(kCutoff), _CMP_LT_OQ);  // NaN is not dead
  const __m256 sc = _mm256_max_ps(_mm256_set1_ps(kCutoff), s);  // a NaN s is kept (second operand)
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(sc, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(k, _mm256_set1_ps(-kLn2Hi), sc);
  r = _mm256_add_ps(_mm256_fmadd_ps(k, _mm256_set1_ps(-kLn2Lo), r), e);
  __m256 p = _mm256_set1_ps(kInvFact[0]);
  for (int j = 1; j < 6; ++j) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kInvFact[j]));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^k through the exponent field; k is an integer in [-126, 0] here.
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(dead, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

__m256d add_as_doubles(__m256d acc, __m256 v, bool high) {
  const __m128 half = high ? _mm256_extractf128_ps(v, 1) : _mm256_castps256_ps128(v);
  return _mm256_add_pd(acc, _mm256_cvtps_pd(half));
}

}  // namespace

float row_max_avx2(const float* x, int32_t n) {
  // max_ps returns its second operand when either is NaN, so NaN x never enters.
  __m256 acc0 = _mm256_set1_ps(kNegInf), acc1 = acc0;
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_max_ps(_mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_max_ps(_mm256_loadu_ps(x + i), acc0);
  if (i < n) acc0 = _mm256_max_ps(load_tail(x + i, n - i), acc0);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_max_ps(acc0, acc1));
  return *std::max_element(lanes, lanes + 8);
}

double sum_exp_shifted_avx2(const float* x, int32_t n, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  int32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = exp_shifted8(_mm256_loadu_ps(x + i), m);
    lo = add_as_doubles(lo, v, false);
    hi = add_as_doubles(hi, v, true);
  }
  if (i < n) {
    const __m256 v = exp_shifted8(load_tail(x + i, n - i), m);
    lo = add_as_doubles(lo, v, false);
    hi = add_as_doubles(hi, v, true);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(lo, hi));
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

}  // namespace tessera
