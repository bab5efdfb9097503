// F16 and BF16 "quantization": one element per block, plain conversions.
// These scalar loops are the reference; float_formats_avx2.cpp has the
// vector versions that dispatch prefers when the CPU has F16C/AVX2.
#include "quant_common.h"
#include "quants.h"

namespace tessera {

size_t quantize_f16(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t n = nrows * n_per_row;
  uint16_t* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(src[i]);
  return static_cast<size_t>(n) * sizeof(uint16_t);
}

void dequantize_row_f16(const void* src, float* dst, int64_t k) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < k; ++i) dst[i] = fp16_to_fp32(x[i]);
}

size_t quantize_bf16(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t n = nrows * n_per_row;
  uint16_t* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(src[i]);
  return static_cast<size_t>(n) * sizeof(uint16_t);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t k) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < k; ++i) dst[i] = bf16_to_fp32(x[i]);
}

}  // namespace tessera
