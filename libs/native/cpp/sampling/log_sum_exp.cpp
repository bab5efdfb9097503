#include "sampling/log_sum_exp.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu_features.h"
#include "quants/kernel_table.h"

namespace tessera {

float row_max_scalar(const float* x, int32_t n) {
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t i = 0; i < n; ++i) max = std::max(max, x[i]);  // a NaN x[i] keeps max
  return max;
}

double sum_exp_shifted_scalar(const float* x, int32_t n, float max) {
  double sum = 0.0;
  for (int32_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - max);
  return sum;
}

namespace {

enum class Isa { Scalar, Avx2, Avx512 };

Isa choose_isa() {
  const KernelPath path = kernel_path();
  if (path == KernelPath::Scalar) return Isa::Scalar;
  const CpuFeatures& f = cpu_features();
  if (path == KernelPath::Auto && f.avx512f) return Isa::Avx512;
  if (f.avx2 && f.fma) return Isa::Avx2;
  return Isa::Scalar;
}

}  // namespace

double log_sum_exp(const float* x, int32_t n, float* max_out) {
  float max;
  double sum;
  switch (choose_isa()) {
    case Isa::Avx512:
      max = row_max_avx512(x, n);
      sum = sum_exp_shifted_avx512(x, n, max);
      break;
    case Isa::Avx2:
      max = row_max_avx2(x, n);
      sum = sum_exp_shifted_avx2(x, n, max);
      break;
    default:
      max = row_max_scalar(x, n);
      sum = sum_exp_shifted_scalar(x, n, max);
  }
  *max_out = max;
  return max + std::log(sum);
}

}  // namespace tessera
