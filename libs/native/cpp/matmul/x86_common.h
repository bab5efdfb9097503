// Helpers shared by the AVX2 and AVX-512 kernel files. Include only from files
// compiled with at least -mavx2 -mfma -mf16c. Everything here has internal
// linkage so copies built with different ISA flags never get merged.
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>

namespace tessera {
namespace mm {
namespace {

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// 16 packed bytes -> 32 nibbles: low nibbles in bytes 0-15, high in 16-31
// (the element order of every 32-element 4-bit format).
inline __m256i nibbles_32(const uint8_t* p) {
  const __m128i b = load128(p);
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Pairwise u8 x s8 products summed to 8 int32 lanes (each lane: 4 products).
// Exact as long as each adjacent pair of products fits in int16, which holds
// for every caller (|u| <= 128 with |s| <= 127 at most).
inline __m256i dot_u8s8_avx2(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Sixteen int16 lanes, low eight set to a and high eight to b.
inline __m256i pair_scales16(int a, int b) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(b)),
                          _mm_set1_epi16(static_cast<int16_t>(a)));
}

// Runs a multi-token kernel F::dots<T> over all rows and tokens of a tile, in
// token groups of up to TMAX (weights are unpacked once per group).
template <class F, int TMAX>
void tile_multi(int64_t n, const uint8_t* w, size_t w_stride, int64_t nrows, const uint8_t* xq,
                size_t xq_stride, int64_t ntok, float* y, int64_t y_stride) {
  static_assert(TMAX == 4, "the switch below covers groups of 1 to 4 tokens");
  for (int64_t t0 = 0; t0 < ntok; t0 += TMAX) {
    const int cnt = static_cast<int>(ntok - t0 < TMAX ? ntok - t0 : TMAX);
    const uint8_t* rows[TMAX];
    for (int t = 0; t < cnt; ++t) rows[t] = xq + (t0 + t) * xq_stride;
    for (int64_t r = 0; r < nrows; ++r) {
      const uint8_t* wr = w + r * w_stride;
      float out[TMAX];
      switch (cnt) {
        case 1: F::template dots<1>(n, wr, rows, out); break;
        case 2: F::template dots<2>(n, wr, rows, out); break;
        case 3: F::template dots<3>(n, wr, rows, out); break;
        default: F::template dots<TMAX>(n, wr, rows, out); break;
      }
      for (int t = 0; t < cnt; ++t) y[(t0 + t) * y_stride + r] = out[t];
    }
  }
}

template <class F>
float dot_single(int64_t n, const void* w, const void* xq) {
  const uint8_t* rows[1] = {static_cast<const uint8_t*>(xq)};
  float out[1];
  F::template dots<1>(n, static_cast<const uint8_t*>(w), rows, out);
  return out[0];
}

}  // namespace
}  // namespace mm
}  // namespace tessera
