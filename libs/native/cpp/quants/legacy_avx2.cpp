// Q8_0 quantization eight lanes at a time, byte-identical to the scalar
// kernel: the max of |x| is exact in any order, the scale is computed by the
// same scalar float operations, and roundf (half away from zero) is rebuilt
// exactly from truncation: x - trunc(x) is exact, so comparing it with 0.5
// decides the rounding just as roundf does. Blocks where the scalar code
// meets NaN or infinity (a NaN input, an infinite max, or a scale so small
// its inverse overflows) go to the scalar code, whose float-to-int casts
// of those values the vector conversions do not reproduce.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "blocks.h"
#include "quant_common.h"
#include "simd_kernels.h"

namespace tessera {

namespace {

constexpr int QK = QK8_0;

// The scalar reference for one block (same operations as legacy.cpp).
void q8_0_block_scalar(const float* x, block_q8_0* y) {
  float amax = 0.0f;
  for (int j = 0; j < QK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = d ? 1.0f / d : 0.0f;
  for (int j = 0; j < QK; ++j) y->qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  y->d = fp32_to_fp16(d);
}

__m256 round_half_away(__m256 v) {
  const __m256 truncated = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  const __m256 frac = _mm256_andnot_ps(sign_mask, _mm256_sub_ps(v, truncated));  // |v - trunc(v)|
  const __m256 bump = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), _mm256_set1_ps(1.0f));
  return _mm256_add_ps(truncated, _mm256_or_ps(bump, _mm256_and_ps(v, sign_mask)));  // +-1 with v's sign
}

void q8_0_block(const float* x, block_q8_0* y) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 v[4];
  __m256 amax8 = _mm256_setzero_ps();
  __m256 unordered = _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_loadu_ps(x + 8 * i);
    amax8 = _mm256_max_ps(amax8, _mm256_and_ps(v[i], abs_mask));
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v[i], v[i], _CMP_UNORD_Q));
  }
  if (_mm256_movemask_ps(unordered)) return q8_0_block_scalar(x, y);
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax8), _mm256_extractf128_ps(amax8, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float amax = _mm_cvtss_f32(m);
  const float d = amax / 127;
  const float id = d ? 1.0f / d : 0.0f;
  if (!(amax < INFINITY) || !(id < INFINITY)) return q8_0_block_scalar(x, y);
  y->d = fp32_to_fp16(d);
  const __m256 vid = _mm256_set1_ps(id);
  __m256i q[4];
  for (int i = 0; i < 4; ++i) q[i] = _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v[i], vid)));
  // Narrow 32 int32 to int8 (values are within -127..127, so saturation never
  // triggers); the packs work per 128-bit lane, the permute restores order.
  const __m256i q16a = _mm256_packs_epi32(q[0], q[1]);
  const __m256i q16b = _mm256_packs_epi32(q[2], q[3]);
  const __m256i q8 = _mm256_packs_epi16(q16a, q16b);
  const __m256i ordered = _mm256_permutevar8x32_epi32(q8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y->qs), ordered);
}

}  // namespace

size_t quantize_q8_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t nblocks = nrows * (n_per_row / QK);
  block_q8_0* y = static_cast<block_q8_0*>(dst);
  for (int64_t i = 0; i < nblocks; ++i) q8_0_block(src + QK * i, y + i);
  return static_cast<size_t>(nblocks) * sizeof(block_q8_0);
}

}  // namespace tessera
