// log(sum(exp(x))) over a row of logits, the cost every sampled row pays for
// its chosen token's log-probability. The SIMD kernels evaluate exp in float
// with a corrected argument and sum in double, so they agree with the scalar
// (double-precision libm) reference to about 1e-7 relative; the path follows
// the process-wide kernel switch (setKernelPath), 'scalar' being the reference.
#pragma once
#include <cstdint>

namespace tessera {

// Returns the log-sum-exp of x[0..n) and stores the row's maximum (NaN
// entries ignored, -inf when there is none) in *max_out.
double log_sum_exp(const float* x, int32_t n, float* max_out);

// The kernels behind it. row_max_*: the maximum ignoring NaN (-inf if none).
// sum_exp_shifted_*: sum of exp(x[i] - max); entries more than ~87 below max
// count as 0.
float row_max_scalar(const float* x, int32_t n);
double sum_exp_shifted_scalar(const float* x, int32_t n, float max);
float row_max_avx2(const float* x, int32_t n);
double sum_exp_shifted_avx2(const float* x, int32_t n, float max);
float row_max_avx512(const float* x, int32_t n);
double sum_exp_shifted_avx512(const float* x, int32_t n, float max);

}  // namespace tessera
