// Activation quantization: the float input of a product is converted once per
// row to the format the weight type's dot product consumes. The rounding
// follows the reference CPU backend as built for x86 (its AVX path), because
// that is the build our golden outputs come from:
//   Q8_0 / Q8_1: d = amax / 127, multiplier 127 / amax, round half to even;
//   Q8_K: scale -127 / (signed value of largest magnitude), round half to
//   even, clamp at 127, plus per-16 sums;
//   F16 / BF16: round to nearest even.
#include <cmath>
#include <cstring>
#include "matmul/matmul.h"
#include "cpu_features.h"
#include "matmul/activation_blocks.h"
#include "matmul/kernels.h"
#include "quants/kernel_table.h"
#include "quants/quant_common.h"

namespace tessera {

GgmlType vec_dot_type(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::F32: return GgmlType::F32;
    case GgmlType::F16: return GgmlType::F16;
    case GgmlType::BF16: return GgmlType::BF16;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL: return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1: return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS: return GgmlType::Q8_K;
    default: return wtype;  // unsupported: matmul_supports() says so
  }
}

size_t activation_row_bytes(GgmlType wtype, int64_t cols) {
  const mm::TypeShape s = mm::type_shape(vec_dot_type(wtype));
  if (s.block == 0) return 0;
  return static_cast<size_t>(cols / s.block) * s.bytes;
}

namespace {

// fmax would be a library call per element; a > m ? a : m is one maxss and
// gives the same result here (a NaN never replaces m, as with fmax).
float max_abs(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) {
    const float a = std::fabs(x[j]);
    amax = a > amax ? a : amax;
  }
  return amax;
}

// Quantizes 32 floats to int8 with multiplier `id`; returns the sum of the
// quantized values (Q8_1 needs it).
int quantize_32(const float* x, float id, int8_t* q) {
  int sum = 0;
  for (int j = 0; j < 32; ++j) {
    q[j] = static_cast<int8_t>(nearest_int(x[j] * id));
    sum += q[j];
  }
  return sum;
}

bool use_avx2() {
  const CpuFeatures& f = cpu_features();
  return kernel_path() != KernelPath::Scalar && f.avx2 && f.fma && f.f16c;
}

}  // namespace

namespace mm {

void quantize_block_q8_0(const float* x, block_q8_0* y) {
  const float amax = max_abs(x, QK8_0);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  y->d = fp32_to_fp16(d);
  quantize_32(x, id, y->qs);
}

void quantize_block_q8_1(const float* x, block_q8_1* y) {
  const float amax = max_abs(x, QK8_1);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  y->d = fp32_to_fp16(d);
  const int sum = quantize_32(x, id, y->qs);
  y->s = fp32_to_fp16(d * static_cast<float>(sum));
}

void quantize_block_q8_K(const float* x, block_q8_K* y) {
  // The signed value of largest magnitude (first one on ties) sets the
  // scale, so it maps to exactly -127.
  float amax = 0.0f, vmax = 0.0f;
  for (int j = 0; j < QK_K; ++j) {
    const float ax = std::fabs(x[j]);
    if (ax > amax) {
      amax = ax;
      vmax = x[j];
    }
  }
  block_q8_K& b = *y;
  if (amax == 0.0f) {
    std::memset(&b, 0, sizeof b);
    return;
  }
  const float iscale = -127.0f / vmax;
  for (int j = 0; j < QK_K; ++j) {
    const int v = nearest_int(iscale * x[j]);
    b.qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
  }
  for (int g = 0; g < QK_K / 16; ++g) {
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += b.qs[g * 16 + j];
    b.bsums[g] = static_cast<int16_t>(sum);
  }
  b.d = 1.0f / iscale;
}

}  // namespace mm

namespace {

template <typename Block, void (*One)(const float*, Block*)>
void quantize_blocks(const float* x, Block* y, int64_t nb, int64_t block) {
  for (int64_t i = 0; i < nb; ++i) One(x + i * block, y + i);
}

}  // namespace

void quantize_activations(GgmlType wtype, const float* x, void* xq, int64_t cols) {
  switch (vec_dot_type(wtype)) {
    case GgmlType::F32:
      std::memcpy(xq, x, static_cast<size_t>(cols) * sizeof(float));
      return;
    case GgmlType::F16: {
      auto* out = static_cast<uint16_t*>(xq);
      for (int64_t j = 0; j < cols; ++j) out[j] = fp32_to_fp16(x[j]);
      return;
    }
    case GgmlType::BF16: {
      auto* out = static_cast<uint16_t*>(xq);
      for (int64_t j = 0; j < cols; ++j) out[j] = fp32_to_bf16(x[j]);
      return;
    }
    case GgmlType::Q8_0: {
      auto* y = static_cast<block_q8_0*>(xq);
      if (use_avx2()) return mm::quantize_q8_0_avx2(x, y, cols / QK8_0);
      return quantize_blocks<block_q8_0, mm::quantize_block_q8_0>(x, y, cols / QK8_0, QK8_0);
    }
    case GgmlType::Q8_1: {
      auto* y = static_cast<block_q8_1*>(xq);
      if (use_avx2()) return mm::quantize_q8_1_avx2(x, y, cols / QK8_1);
      return quantize_blocks<block_q8_1, mm::quantize_block_q8_1>(x, y, cols / QK8_1, QK8_1);
    }
    case GgmlType::Q8_K: {
      auto* y = static_cast<block_q8_K*>(xq);
      if (use_avx2()) return mm::quantize_q8_K_avx2(x, y, cols / QK_K);
      return quantize_blocks<block_q8_K, mm::quantize_block_q8_K>(x, y, cols / QK_K, QK_K);
    }
    default: return;
  }
}

}  // namespace tessera
