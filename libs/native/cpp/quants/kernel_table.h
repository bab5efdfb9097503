// Maps a ggml type id to its conversion kernels. The scalar table is the
// reference; the "auto" table swaps in SIMD kernels this CPU supports, each of
// which is tested to give the same bytes as its scalar twin.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

using QuantizeFn = size_t (*)(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
using DequantizeFn = void (*)(const void* src, float* dst, int64_t k);

struct TypeKernels {
  int32_t type_id = -1;
  const char* name = nullptr;
  int64_t block_size = 0;  // elements per block
  int64_t type_size = 0;   // bytes per block
  QuantizeFn quantize = nullptr;      // nullptr: cannot produce this type
  DequantizeFn dequantize = nullptr;  // nullptr: cannot read this type
};

// Auto: the best this CPU has. Scalar: the references. Avx2: Auto without
// the AVX-512 kernels, so tests reach the AVX2 ones on an AVX-512 machine too.
enum class KernelPath : int { Auto = 0, Scalar = 1, Avx2 = 2 };

// Process-wide choice (tests force Scalar or Avx2 to compare against Auto).
void set_kernel_path(KernelPath path);
KernelPath kernel_path();

// Kernels for `type_id` on `path`; nullptr when the id is not a type we know.
const TypeKernels* find_type_kernels(int32_t type_id, KernelPath path);

// Names of the SIMD kernels in use on the Auto path (for diagnostics).
const char* simd_level();

}  // namespace tessera
