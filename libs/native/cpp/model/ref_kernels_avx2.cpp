// AVX2 + FMA + F16C twins of ref_kernels.cpp: the same lanes, the same fused
// operations and the same reduction tree, so the bits are identical.
#include <immintrin.h>

#include <cmath>

#include "model/flash_keys.h"
#include "model/ref_kernels.h"
#include "quants/quant_common.h"

namespace tessera {

namespace {

// A 16-lane accumulator as two 8-lane halves (lo = lanes 0..7).
struct Acc16 {
  __m256 lo, hi;
};

float reduce_lanes(Acc16 v) {
  const __m256 a = _mm256_add_ps(v.hi, v.lo);  // lanes i + 8 + i
  const __m128 b = _mm_add_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
  float t[4];
  _mm_storeu_ps(t, b);
  return (t[0] + t[2]) + (t[1] + t[3]);
}

inline __m256 load_half8(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

float dot_avx2(const uint16_t* k, const float* q, int n) {
  Acc16 acc[4];
  for (auto& a : acc) a = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  const int full = n / 64 * 64;
  for (int i = 0; i < full; i += 64) {
    for (int a = 0; a < 4; ++a) {
      const int d = i + a * 16;
      acc[a].lo = _mm256_fmadd_ps(load_half8(k + d), _mm256_loadu_ps(q + d), acc[a].lo);
      acc[a].hi = _mm256_fmadd_ps(load_half8(k + d + 8), _mm256_loadu_ps(q + d + 8), acc[a].hi);
    }
  }
  acc[0] = {_mm256_add_ps(acc[0].lo, acc[2].lo), _mm256_add_ps(acc[0].hi, acc[2].hi)};
  acc[1] = {_mm256_add_ps(acc[1].lo, acc[3].lo), _mm256_add_ps(acc[1].hi, acc[3].hi)};
  acc[0] = {_mm256_add_ps(acc[0].lo, acc[1].lo), _mm256_add_ps(acc[0].hi, acc[1].hi)};
  double sum = reduce_lanes(acc[0]);
  for (int d = full; d < n; ++d) sum += static_cast<double>(fp16_to_fp32(k[d]) * q[d]);
  return static_cast<float>(sum);
}

// Round 8 floats to halves and back (nearest even, as the scalar path).
inline __m256 round_half8(__m256 x) { return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT)); }

void scale_half_avx2(float* acc, float s, int n) {
  const __m256 vs = _mm256_set1_ps(s);
  int d = 0;
  for (; d + 8 <= n; d += 8) _mm256_storeu_ps(acc + d, round_half8(_mm256_mul_ps(_mm256_loadu_ps(acc + d), vs)));
  for (; d < n; ++d) acc[d] = fp16_to_fp32(fp32_to_fp16(acc[d] * s));
}

void mad_half_avx2(float* acc, const uint16_t* v, float s, int n) {
  const __m256 vs = _mm256_set1_ps(s);
  int d = 0;
  for (; d + 8 <= n; d += 8) {
    _mm256_storeu_ps(acc + d, round_half8(_mm256_fmadd_ps(load_half8(v + d), vs, _mm256_loadu_ps(acc + d))));
  }
  for (; d < n; ++d) acc[d] = fp16_to_fp32(fp32_to_fp16(std::fma(fp16_to_fp32(v[d]), s, acc[d])));
}

// 8 lanes of the polynomial exp; lanes whose exponent leaves the normal
// range are finished in scalar code (never for SiLU's usual inputs).
__m256 poly_exp8(__m256 x) {
  const __m256 shift = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shift);
  const __m256 n = _mm256_sub_ps(z, shift);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                    _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 j = _mm256_fmadd_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
      u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
  // 2^n for n in [-126, 127] built from its exponent bits; j * 2^n is exact then.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256 pow2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23));
  __m256 res = _mm256_mul_ps(j, pow2);
  const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  const int outside = _mm256_movemask_ps(_mm256_cmp_ps(abs_n, _mm256_set1_ps(126.0f), _CMP_GT_OQ));
  if (outside) {
    float jl[8], nl[8], rl[8];
    _mm256_storeu_ps(jl, j);
    _mm256_storeu_ps(nl, n);
    _mm256_storeu_ps(rl, res);
    for (int l = 0; l < 8; ++l) {
      if (!(outside >> l & 1)) continue;
      rl[l] = std::fabs(nl[l]) > 192.0f ? (nl[l] <= 0.0f ? 0.0f : INFINITY) : std::ldexp(jl[l], static_cast<int>(nl[l]));
    }
    res = _mm256_loadu_ps(rl);
  }
  return res;
}

void swiglu_avx2(const float* gate, const float* up, float* out, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = poly_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  if (i < n) ref_kernels_scalar().swiglu(gate + i, up + i, out + i, n - i);
}

// Four pairs per vector: x = [x0 x1 ...], cs = [c s ...]. fmaddsub gives
// x0 * c - (x1 * s) in even lanes and x0 * s + (x1 * c) in odd ones, each
// with one rounding after the separately rounded product, as std::fma does.
void rope_avx2(const float* cs, int n_rot, float* x) {
  int i = 0;
  for (; i + 8 <= n_rot; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 c = _mm256_loadu_ps(cs + i);
    const __m256 x0 = _mm256_moveldup_ps(v);
    const __m256 x1 = _mm256_movehdup_ps(v);
    const __m256 swapped = _mm256_permute_ps(c, 0xb1);  // [s c s c ...]
    _mm256_storeu_ps(x + i, _mm256_fmaddsub_ps(x0, c, _mm256_mul_ps(x1, swapped)));
  }
  if (i < n_rot) ref_kernels_scalar().rope(cs + i, n_rot - i, x + i);
}

// flash_half for rows of kChunks * 8 halves: the accumulator stays in
// registers for the whole run instead of a load and a store per key, and
// the scores (which do not depend on it) are computed first. The same
// operations per element as scale_half_avx2 / mad_half_avx2 and the same
// dot, so the same bits.
template <int kChunks>
void flash_half_in_registers(const uint16_t* k, const uint16_t* v, int n, const float* q16, float scale, float* max,
                             float* sum, float* acc_out) {
  constexpr int D = kChunks * 8;
  constexpr int kMaxRun = 64;
  float scores[kMaxRun];
  __m256 acc[kChunks];
  for (int c = 0; c < kChunks; ++c) acc[c] = _mm256_loadu_ps(acc_out + 8 * c);
  float M = *max, S = *sum;
  for (int j0 = 0; j0 < n; j0 += kMaxRun) {
    const int m = n - j0 < kMaxRun ? n - j0 : kMaxRun;
    for (int j = 0; j < m; ++j) scores[j] = dot_avx2(k + static_cast<int64_t>(j0 + j) * D, q16, D) * scale;
    for (int j = 0; j < m; ++j) {
      const float s = scores[j];
      float ms = 1.0f, vs = 1.0f;
      if (s > M) {
        const float m_old = M;
        M = s;
        ms = std::exp(m_old - M);
        const __m256 f = _mm256_set1_ps(ms);
        for (int c = 0; c < kChunks; ++c) acc[c] = round_half8(_mm256_mul_ps(acc[c], f));
      } else {
        vs = std::exp(s - M);
      }
      const __m256 w = _mm256_set1_ps(vs);
      const uint16_t* vj = v + static_cast<int64_t>(j0 + j) * D;
      for (int c = 0; c < kChunks; ++c) acc[c] = round_half8(_mm256_fmadd_ps(load_half8(vj + 8 * c), w, acc[c]));
      S = std::fma(S, ms, vs);
    }
  }
  for (int c = 0; c < kChunks; ++c) _mm256_storeu_ps(acc_out + 8 * c, acc[c]);
  *max = M;
  *sum = S;
}

void flash_half_avx2(const uint16_t* k, const uint16_t* v, int n, int d, const float* q16, float scale, float* max,
                     float* sum, float* acc) {
  if (d == 64) return flash_half_in_registers<8>(k, v, n, q16, scale, max, sum, acc);
  // Other head sizes: the same steps through the row kernels.
  flash_half_keys(dot_avx2, scale_half_avx2, mad_half_avx2, k, v, n, d, q16, scale, max, sum, acc);
}

}  // namespace

const RefKernels& ref_kernels_avx2() {
  static const RefKernels k{dot_avx2, scale_half_avx2, mad_half_avx2, swiglu_avx2, rope_avx2, flash_half_avx2};
  return k;
}

}  // namespace tessera
