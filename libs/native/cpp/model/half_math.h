// Small vector helpers over fp16 cache rows used by attention. Scalar code;
// the compiler vectorizes the float loops, and the fp16 conversions go
// through the exact shared routines so every path rounds identically.
#pragma once
#include <cstdint>

#include "quants/quant_common.h"

namespace tessera {

inline float round_to_half(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

// sum_d float(k[d]) * q[d], accumulated in float.
inline float dot_half_float(const uint16_t* k, const float* q, int n) {
  float sum = 0.0f;
  for (int d = 0; d < n; ++d) sum += fp16_to_fp32(k[d]) * q[d];
  return sum;
}

// acc[d] = half(acc[d] * s): the reference keeps this accumulator in fp16.
inline void scale_half_acc(float* acc, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] = round_to_half(acc[d] * s);
}

// acc[d] = half(acc[d] + float(v[d]) * s).
inline void mad_half_acc(float* acc, const uint16_t* v, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] = round_to_half(acc[d] + fp16_to_fp32(v[d]) * s);
}

// acc[d] += float(v[d]) * s, in float.
inline void mad_float_acc(float* acc, const uint16_t* v, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] += fp16_to_fp32(v[d]) * s;
}

}  // namespace tessera
