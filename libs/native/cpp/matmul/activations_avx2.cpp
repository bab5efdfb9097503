// AVX2 activation quantization: the bytes of activations.cpp's scalar blocks,
// 8 floats at a time. Products and the max are the same float operations;
// _mm256_cvtps_epi32 rounds half to even in the default MXCSR mode, as the
// scalar nearest_int does for the |values| <= 127 a finite scale produces.
#include <immintrin.h>

#include <cfloat>
#include <cstring>

#include "matmul/activation_blocks.h"
#include "quants/quant_common.h"

namespace tessera {
namespace mm {

namespace {

const __m256 kAbsMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));

float horizontal_max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

int horizontal_sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// max |x| over n floats (n a multiple of 8) in *amax; false when a NaN or an
// infinity is among them.
bool finite_max_abs(const float* x, int n, float* amax) {
  __m256 m = _mm256_setzero_ps();
  __m256 unordered = _mm256_setzero_ps();
  for (int j = 0; j < n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = _mm256_max_ps(m, _mm256_and_ps(v, kAbsMask));
  }
  *amax = horizontal_max(m);
  return _mm256_movemask_ps(unordered) == 0 && *amax <= FLT_MAX;
}

// Four vectors of 8 int32 in [-128, 127] to 32 int8 in order.
void store_int8(__m256i a, __m256i b, __m256i c, __m256i d, int8_t* out) {
  // packs work within 128-bit lanes: the bytes come out as a0 b0 c0 d0 a1 b1 c1 d1
  // (4-byte groups, 0/1 the lanes); the permute puts them back in order.
  const __m256i ab = _mm256_packs_epi32(a, b);
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = _mm256_packs_epi16(ab, cd);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permutevar8x32_epi32(bytes, order));
}

// 32 floats times `id`, rounded, to int8 at q; returns their sum.
int quantize_32(const float* x, float id, int8_t* q) {
  const __m256 mul = _mm256_set1_ps(id);
  __m256i v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), mul));
  store_int8(v[0], v[1], v[2], v[3], q);
  return horizontal_sum(_mm256_add_epi32(_mm256_add_epi32(v[0], v[1]), _mm256_add_epi32(v[2], v[3])));
}

// The multiplier 127 / amax of a Q8_0 / Q8_1 block, or false when the scalar
// code must take the block.
bool q8_multiplier(const float* x, float* amax, float* id) {
  if (!finite_max_abs(x, 32, amax)) return false;
  *id = *amax != 0.0f ? 127.0f / *amax : 0.0f;
  return *id <= FLT_MAX;
}

// Q8_0 and Q8_1 rows: Q8_1 also keeps s = d * (sum of the quantized values).
template <class Block, void (*ScalarBlock)(const float*, Block*), bool kWithSum>
void quantize_q8_rows(const float* x, Block* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 32) {
    float amax, id;
    if (!q8_multiplier(x, &amax, &id)) {
      ScalarBlock(x, y + i);
      continue;
    }
    const float d = amax / 127.0f;
    y[i].d = fp32_to_fp16(d);
    const int sum = quantize_32(x, id, y[i].qs);
    if constexpr (kWithSum) y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

}  // namespace

void quantize_q8_0_avx2(const float* x, block_q8_0* y, int64_t nb) {
  quantize_q8_rows<block_q8_0, quantize_block_q8_0, false>(x, y, nb);
}

void quantize_q8_1_avx2(const float* x, block_q8_1* y, int64_t nb) {
  quantize_q8_rows<block_q8_1, quantize_block_q8_1, true>(x, y, nb);
}

void quantize_q8_K_avx2(const float* x, block_q8_K* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += QK_K) {
    float amax;
    if (!finite_max_abs(x, QK_K, &amax) || amax == 0.0f) {
      quantize_block_q8_K(x, y + i);
      continue;
    }
    // The first value of largest magnitude sets the sign of the scale.
    const __m256 target = _mm256_set1_ps(amax);
    int first = 0;
    for (int j = 0; j < QK_K; j += 8) {
      const __m256 a = _mm256_and_ps(_mm256_loadu_ps(x + j), kAbsMask);
      const int hits = _mm256_movemask_ps(_mm256_cmp_ps(a, target, _CMP_EQ_OQ));
      if (hits) {
        first = j + __builtin_ctz(static_cast<unsigned>(hits));
        break;
      }
    }
    const float iscale = -127.0f / x[first];
    if (!(iscale <= FLT_MAX && iscale >= -FLT_MAX)) {
      quantize_block_q8_K(x, y + i);
      continue;
    }
    block_q8_K& b = y[i];
    const __m256 mul = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    for (int j = 0; j < QK_K; j += 32) {
      __m256i v[4];
      for (int k = 0; k < 4; ++k) {
        v[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(x + j + 8 * k))), top);
      }
      store_int8(v[0], v[1], v[2], v[3], b.qs + j);
      b.bsums[j / 16] = static_cast<int16_t>(horizontal_sum(_mm256_add_epi32(v[0], v[1])));
      b.bsums[j / 16 + 1] = static_cast<int16_t>(horizontal_sum(_mm256_add_epi32(v[2], v[3])));
    }
    b.d = 1.0f / iscale;
  }
}

}  // namespace mm
}  // namespace tessera
