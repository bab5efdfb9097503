// Float-accumulating helpers over fp16 cache rows for the attention variants
// whose rounding is not pinned to the reference's (see ref_kernels.h for the
// ones that are).
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

// acc[d] += float(v[d]) * s, in float.
inline void mad_float_acc(float* acc, const uint16_t* v, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] += fp16_to_fp32(v[d]) * s;
}

}  // namespace tessera
