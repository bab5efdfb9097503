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
  // RoPE on one head, adjacent pairs (x[i], x[i + 1]) for i < n_rot, with
  // cs[i], cs[i + 1] their cos and sin: x[i] = fma(x[i], c, -(x[i+1] * s)),
  // x[i + 1] = fma(x[i], s, x[i+1] * c), as the reference build fuses them.
  void (*rope)(const float* cs, int n_rot, float* x);
  // Flash attention over n consecutive keys/values of one head (rows of d
  // halves at k and v), in the reference's per-key order: score =
  // dot(k_j, q16) * scale; a new maximum rescales acc by exp(old - new)
  // (rounded to halves), otherwise the key weighs exp(score - max); acc =
  // half(fma(v_j, weight, acc)); sum = fma(sum, rescale, weight).
  // State: *max, *sum and acc[d] carry from one run to the next.
  void (*flash_half)(const uint16_t* k, const uint16_t* v, int n, int d, const float* q16, float scale,
                     float* max, float* sum, float* acc);
};

const RefKernels& ref_kernels_scalar();
// AVX2 twins; only valid when cpu_features() reports avx2, fma and f16c.
const RefKernels& ref_kernels_avx2();
// The fastest set this CPU supports.
const RefKernels& ref_kernels();

}  // namespace tessera
