// Q4_0 and Q5_0 (no importance matrix) eight lanes at a time, byte-identical
// to the scalar kernels in legacy.cpp. The scale comes from the first element
// of largest magnitude, found exactly by comparing every |x| with the maximum;
// the level of an element is trunc(x * id + offset) as in the scalar code
// (multiply, then add: no FMA), clamped from above. Blocks holding NaN or
// infinity, or whose scale inverts to infinity, go to the scalar kernel, whose
// float-to-int conversions of such values the vector code does not reproduce.
// With importance weights both types take the scalar weighted search.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "blocks.h"
#include "quant_common.h"
#include "quants.h"
#include "simd_kernels.h"

namespace tessera {

namespace {

constexpr int QK = 32;

struct BlockLevels {
  __m256i q[4];  // levels of elements 0-7, 8-15, 16-23, 24-31
  float d;
};

// Levels min(nmax, trunc(x * id + half + 0.5)) with half = (nmax + 1) / 2 and
// d = (signed absmax) / -half; false when the block needs the scalar code.
bool block_levels(const float* x, int nmax, BlockLevels* out) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 v[4], a[4];
  __m256 amax8 = _mm256_setzero_ps(), unordered = _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_loadu_ps(x + 8 * i);
    a[i] = _mm256_and_ps(v[i], abs_mask);
    amax8 = _mm256_max_ps(amax8, a[i]);
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v[i], v[i], _CMP_UNORD_Q));
  }
  if (_mm256_movemask_ps(unordered)) return false;
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax8), _mm256_extractf128_ps(amax8, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float amax = _mm_cvtss_f32(m);
  if (!(amax < INFINITY)) return false;
  // The scalar loop keeps max = +0 unless some |x| exceeds 0, then takes the first largest.
  float max = 0.0f;
  if (amax > 0.0f) {
    const __m256 target = _mm256_set1_ps(amax);
    uint32_t hits = 0;
    for (int i = 0; i < 4; ++i) {
      hits |= static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(a[i], target, _CMP_EQ_OQ))) << (8 * i);
    }
    max = x[__builtin_ctz(hits)];
  }
  const int half = (nmax + 1) / 2;
  const float d = max / static_cast<float>(-half);
  const float id = d ? 1.0f / d : 0.0f;
  if (!(std::fabs(id) < INFINITY)) return false;
  const __m256 vid = _mm256_set1_ps(id);
  const __m256 offset = _mm256_set1_ps(static_cast<float>(half) + 0.5f);
  const __m256i top = _mm256_set1_epi32(nmax);
  for (int i = 0; i < 4; ++i) {
    // |x * id| <= half (plus rounding), so the sum is in [0, 2 * half + 1):
    // truncation equals the scalar cast, and the int8 narrowing changes nothing.
    const __m256i t = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v[i], vid), offset));
    out->q[i] = _mm256_min_epi32(t, top);
  }
  out->d = d;
  return true;
}

// Bytes (lo[j] | hi[j] << 4) for j = 0..15, from the levels of elements 0..15 and 16..31.
void store_nibbles(const __m256i q[4], uint8_t* qs) {
  const __m256i mask = _mm256_set1_epi32(0x0f);
  const __m256i r0 = _mm256_or_si256(_mm256_and_si256(q[0], mask), _mm256_slli_epi32(_mm256_and_si256(q[2], mask), 4));
  const __m256i r1 = _mm256_or_si256(_mm256_and_si256(q[1], mask), _mm256_slli_epi32(_mm256_and_si256(q[3], mask), 4));
  // Packs narrow within 128-bit lanes: dwords 0, 4, 1, 5 then hold bytes 0-3, 4-7, 8-11, 12-15.
  const __m256i words = _mm256_packs_epi32(r0, r1);
  const __m256i bytes = _mm256_packus_epi16(words, words);
  const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs), _mm256_castsi256_si128(ordered));
}

// Bit 4 of element j's level in bit j.
uint32_t fifth_bits(const __m256i q[4]) {
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    const __m256 top_bit = _mm256_castsi256_ps(_mm256_slli_epi32(q[i], 27));
    bits |= static_cast<uint32_t>(_mm256_movemask_ps(top_bit)) << (8 * i);
  }
  return bits;
}

}  // namespace

size_t quantize_q4_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (imatrix) return quantize_q4_0(src, dst, nrows, n_per_row, imatrix);
  const int64_t nblocks = nrows * (n_per_row / QK);
  block_q4_0* y = static_cast<block_q4_0*>(dst);
  BlockLevels b;
  for (int64_t i = 0; i < nblocks; ++i) {
    const float* x = src + QK * i;
    if (!block_levels(x, 15, &b)) {
      quantize_q4_0(x, y + i, 1, QK, nullptr);
      continue;
    }
    y[i].d = fp32_to_fp16(b.d);
    store_nibbles(b.q, y[i].qs);
  }
  return static_cast<size_t>(nblocks) * sizeof(block_q4_0);
}

size_t quantize_q5_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  if (imatrix) return quantize_q5_0(src, dst, nrows, n_per_row, imatrix);
  const int64_t nblocks = nrows * (n_per_row / QK);
  block_q5_0* y = static_cast<block_q5_0*>(dst);
  BlockLevels b;
  for (int64_t i = 0; i < nblocks; ++i) {
    const float* x = src + QK * i;
    if (!block_levels(x, 31, &b)) {
      quantize_q5_0(x, y + i, 1, QK, nullptr);
      continue;
    }
    y[i].d = fp32_to_fp16(b.d);
    const uint32_t qh = fifth_bits(b.q);
    std::memcpy(y[i].qh, &qh, sizeof qh);
    store_nibbles(b.q, y[i].qs);
  }
  return static_cast<size_t>(nblocks) * sizeof(block_q5_0);
}

}  // namespace tessera
