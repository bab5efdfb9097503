#include "model/half_math.h"

#include <cmath>

#include "cpu_features.h"

namespace tessera {

namespace {

float dot_scalar(const uint16_t* k, const float* q, int n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int d = 0;
  for (; d + 8 <= n; d += 8) {
    for (int j = 0; j < 8; ++j) lane[j] = std::fma(fp16_to_fp32(k[d + j]), q[d + j], lane[j]);
  }
  // The AVX2 reduction: halves, then pairs, then the last two.
  float four[4], two[2];
  for (int j = 0; j < 4; ++j) four[j] = lane[j] + lane[j + 4];
  for (int j = 0; j < 2; ++j) two[j] = four[j] + four[j + 2];
  float sum = two[0] + two[1];
  for (; d < n; ++d) sum = std::fma(fp16_to_fp32(k[d]), q[d], sum);
  return sum;
}

void mad_scalar(float* acc, const uint16_t* v, float s, int n) {
  for (int d = 0; d < n; ++d) acc[d] = std::fma(fp16_to_fp32(v[d]), s, acc[d]);
}

}  // namespace

const HalfFloatKernels& half_float_kernels_scalar() {
  static const HalfFloatKernels k{dot_scalar, mad_scalar};
  return k;
}

const HalfFloatKernels& half_float_kernels() {
  static const HalfFloatKernels& k = [] () -> const HalfFloatKernels& {
    const CpuFeatures& f = cpu_features();
    return (f.avx2 && f.fma && f.f16c) ? half_float_kernels_avx2() : half_float_kernels_scalar();
  }();
  return k;
}

}  // namespace tessera
