// Float-accumulating helpers over fp16 cache rows for the attention variants
// whose rounding is not pinned to the reference's (see ref_kernels.h for the
// ones that are): long prefill and standard attention. They are the inner
// loops of prefill attention, so each has an AVX2+F16C version; the scalar
// version sums in the same 8 lanes with the same fused operations, so both
// give the same bits.
#pragma once
#include <cstdint>

#include "quants/quant_common.h"

namespace tessera {

inline float round_to_half(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

struct HalfFloatKernels {
  // sum_d float(k[d]) * q[d]: 8 lanes of fused multiply-adds, then a fixed tree.
  float (*dot)(const uint16_t* k, const float* q, int n);
  // acc[d] = fma(float(v[d]), s, acc[d]).
  void (*mad)(float* acc, const uint16_t* v, float s, int n);
};

const HalfFloatKernels& half_float_kernels_scalar();
// Only valid when cpu_features() reports avx2, fma and f16c.
const HalfFloatKernels& half_float_kernels_avx2();
// The fastest set this CPU supports.
const HalfFloatKernels& half_float_kernels();

}  // namespace tessera
