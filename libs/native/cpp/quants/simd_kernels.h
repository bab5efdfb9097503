// Vector twins of scalar kernels. Each must produce exactly the bytes (or
// floats) of its scalar version; tests compare them on every run. The
// *_avx2 / *_avx512 functions live in files compiled with those ISA flags and
// are only handed out by best_simd_kernels when the CPU supports them.
#pragma once
#include <cstdint>

#include "../cpu_features.h"
#include "kernel_table.h"

namespace tessera {

struct SimdKernels {
  QuantizeFn quantize = nullptr;      // nullptr: keep the scalar kernel
  DequantizeFn dequantize = nullptr;  // nullptr: keep the scalar kernel
};

SimdKernels best_simd_kernels(int32_t type_id, const CpuFeatures& cpu);

// "avx512", "avx2" or "scalar": the widest level any kernel uses here.
const char* simd_level_name(const CpuFeatures& cpu);

// AVX2 + F16C (float_formats_avx2.cpp, legacy_avx2.cpp)
size_t quantize_f16_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
void dequantize_row_f16_avx2(const void* src, float* dst, int64_t k);
size_t quantize_bf16_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
void dequantize_row_bf16_avx2(const void* src, float* dst, int64_t k);

// AVX2 (legacy_avx2.cpp)
size_t quantize_q8_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

// AVX2 (q4_0_q5_0_avx2.cpp): the closed-form path; with an imatrix they call the scalar kernels
size_t quantize_q4_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q5_0_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

// AVX2 (kquants_avx2.cpp): the K-quant kernels built with AVX2 code generation
size_t quantize_q2_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q4_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q5_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q6_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

// AVX2 (iq4_avx2.cpp): vectorized codebook search
size_t quantize_iq4_nl_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_iq4_xs_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

// AVX-512F (float_formats_avx512.cpp)
size_t quantize_f16_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
void dequantize_row_f16_avx512(const void* src, float* dst, int64_t k);

// AVX-512F (iq4_avx512.cpp): the codebook in one register, the 15 scale tries in one vector
size_t quantize_iq4_nl_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_iq4_xs_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

}  // namespace tessera
