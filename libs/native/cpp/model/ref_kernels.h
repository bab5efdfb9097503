// The few float kernels whose rounding decides whether we agree with the
// reference CPU backend bit for bit. The reference is built for the host
// (AVX-512 on our machine class): its fp16 dot product sums 4 accumulators of
// 16 lanes with fused multiply-adds and reduces them in a fixed tree, its
// fp16 accumulators are updated with a fused multiply-add, and SiLU uses a
// polynomial exp. Measured against the golden data, reproducing these
// orders halves the F32 log-prob error and makes prefill bit-exact for F16.
//
// Each kernel has a portable scalar version (std::fma: exact, but a libm
// call without hardware FMA) and an AVX2+FMA+F16C version giving the same
// bits, chosen once at run time.
#pragma once
#include <cstdint>

namespace tessera {

struct RefKernels {
  // sum_d k[d] * q[d] (k in fp16), in the reference's lane/reduction order.
  float (*dot_f16_f32)(const uint16_t* k, const float* q, int n);
  // acc[d] = half(acc[d] * s), acc held as floats that are exact halves.
  void (*scale_half)(float* acc, float s, int n);
  // acc[d] = half(fma(v[d], s, acc[d])).
  void (*mad_half)(float* acc, const uint16_t* v, float s, int n);
  // out[i] = silu(gate[i]) * up[i] with the reference's vector exp.
  void (*swiglu)(const float* gate, const float* up, float* out, int64_t n);
};

const RefKernels& ref_kernels_scalar();
// AVX2 twins; only valid when cpu_features() reports avx2, fma and f16c.
const RefKernels& ref_kernels_avx2();
// The fastest set this CPU supports.
const RefKernels& ref_kernels();

}  // namespace tessera
