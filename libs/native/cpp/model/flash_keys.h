// The reference's flash-attention step for one key at a time, over n keys,
// written once for the scalar and the AVX2 kernel sets (ref_kernels*.cpp),
// each passing its own row kernels: score = dot(k_j, q16) * scale; a new
// maximum rescales acc by exp(old - new), else the key weighs exp(score -
// max); acc = half(fma(v_j, weight, acc)); sum = fma(sum, rescale, weight),
// as the reference build contracts it.
//
// static: each file gets its own copy compiled with its own ISA flags (an
// inline function would be merged at link time, and the AVX2 file's copy,
// with hardware fma, could then run on a CPU without it).
#pragma once
#include <cmath>
#include <cstdint>

namespace tessera {

using HalfDotFn = float (*)(const uint16_t* k, const float* q, int n);
using ScaleHalfFn = void (*)(float* acc, float s, int n);
using MadHalfFn = void (*)(float* acc, const uint16_t* v, float s, int n);

static inline void flash_half_keys(HalfDotFn dot, ScaleHalfFn scale_half, MadHalfFn mad_half, const uint16_t* k,
                                   const uint16_t* v, int n, int d, const float* q16, float scale, float* max,
                                   float* sum, float* acc) {
  float M = *max, S = *sum;
  for (int j = 0; j < n; ++j) {
    const float s = dot(k + static_cast<int64_t>(j) * d, q16, d) * scale;
    float ms = 1.0f, vs = 1.0f;
    if (s > M) {
      const float m_old = M;
      M = s;
      ms = std::exp(m_old - M);
      scale_half(acc, ms, d);
    } else {
      vs = std::exp(s - M);
    }
    mad_half(acc, v + static_cast<int64_t>(j) * d, vs, d);
    S = std::fma(S, ms, vs);
  }
  *max = M;
  *sum = S;
}

}  // namespace tessera
