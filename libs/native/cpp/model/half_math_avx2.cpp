// AVX2 + FMA + F16C twins of half_math.cpp's scalar kernels (same lanes,
// same fused operations, same reduction tree).
#include <immintrin.h>

#include <cmath>

#include "model/half_math.h"

namespace tessera {

namespace {

inline __m256 load_half8(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

float dot_avx2(const uint16_t* k, const float* q, int n) {
  __m256 acc = _mm256_setzero_ps();
  int d = 0;
  for (; d + 8 <= n; d += 8) acc = _mm256_fmadd_ps(load_half8(k + d), _mm256_loadu_ps(q + d), acc);
  const __m128 four = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
  float sum = _mm_cvtss_f32(_mm_add_ss(two, _mm_shuffle_ps(two, two, 1)));
  for (; d < n; ++d) sum = std::fma(fp16_to_fp32(k[d]), q[d], sum);
  return sum;
}

void mad_avx2(float* acc, const uint16_t* v, float s, int n) {
  const __m256 vs = _mm256_set1_ps(s);
  int d = 0;
  for (; d + 8 <= n; d += 8) _mm256_storeu_ps(acc + d, _mm256_fmadd_ps(load_half8(v + d), vs, _mm256_loadu_ps(acc + d)));
  for (; d < n; ++d) acc[d] = std::fma(fp16_to_fp32(v[d]), s, acc[d]);
}

}  // namespace

const HalfFloatKernels& half_float_kernels_avx2() {
  static const HalfFloatKernels k{dot_avx2, mad_avx2};
  return k;
}

}  // namespace tessera
