#include "kernel_table.h"

#include <atomic>
#include <cstring>
#include <vector>

#include "../cpu_features.h"
#include "blocks.h"
#include "quants.h"
#include "simd_kernels.h"

namespace tessera {

namespace {

std::atomic<int> g_path{static_cast<int>(KernelPath::Auto)};

void dequantize_row_f32(const void* src, float* dst, int64_t k) {
  std::memcpy(dst, src, static_cast<size_t>(k) * sizeof(float));
}

// Q8_1 is an activation format, not a file type: the TS wrapper refuses it,
// but the raw addon can produce it so tests can pin it to the reference.
size_t quantize_q8_1_rows(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  quantize_row_q8_1(src, dst, nrows * n_per_row);
  return static_cast<size_t>(nrows * n_per_row / QK8_1) * sizeof(block_q8_1);
}

std::vector<TypeKernels> scalar_table() {
  using T = GgmlType;
  auto id = [](T t) { return static_cast<int32_t>(t); };
  return {
      {id(T::F32), "F32", 1, 4, nullptr, dequantize_row_f32},
      {id(T::F16), "F16", 1, 2, quantize_f16, dequantize_row_f16},
      {id(T::BF16), "BF16", 1, 2, quantize_bf16, dequantize_row_bf16},
      {id(T::Q4_0), "Q4_0", QK4_0, sizeof(block_q4_0), quantize_q4_0, dequantize_row_q4_0},
      {id(T::Q4_1), "Q4_1", QK4_1, sizeof(block_q4_1), quantize_q4_1, dequantize_row_q4_1},
      {id(T::Q5_0), "Q5_0", QK5_0, sizeof(block_q5_0), quantize_q5_0, dequantize_row_q5_0},
      {id(T::Q5_1), "Q5_1", QK5_1, sizeof(block_q5_1), quantize_q5_1, dequantize_row_q5_1},
      {id(T::Q8_0), "Q8_0", QK8_0, sizeof(block_q8_0), quantize_q8_0, dequantize_row_q8_0},
      {id(T::Q8_1), "Q8_1", QK8_1, sizeof(block_q8_1), quantize_q8_1_rows, nullptr},
      {id(T::Q2_K), "Q2_K", QK_K, sizeof(block_q2_K), quantize_q2_K, dequantize_row_q2_K},
      {id(T::Q3_K), "Q3_K", QK_K, sizeof(block_q3_K), quantize_q3_K, dequantize_row_q3_K},
      {id(T::Q4_K), "Q4_K", QK_K, sizeof(block_q4_K), quantize_q4_K, dequantize_row_q4_K},
      {id(T::Q5_K), "Q5_K", QK_K, sizeof(block_q5_K), quantize_q5_K, dequantize_row_q5_K},
      {id(T::Q6_K), "Q6_K", QK_K, sizeof(block_q6_K), quantize_q6_K, dequantize_row_q6_K},
      {id(T::IQ4_NL), "IQ4_NL", QK4_NL, sizeof(block_iq4_nl), quantize_iq4_nl, dequantize_row_iq4_nl},
      {id(T::IQ4_XS), "IQ4_XS", QK_K, sizeof(block_iq4_xs), quantize_iq4_xs, dequantize_row_iq4_xs},
  };
}

// The scalar table with every kernel `cpu` has a faster exact twin of
// replaced by it.
std::vector<TypeKernels> simd_table(const CpuFeatures& cpu) {
  std::vector<TypeKernels> table = scalar_table();
  for (TypeKernels& k : table) {
    const SimdKernels simd = best_simd_kernels(k.type_id, cpu);
    if (simd.quantize) k.quantize = simd.quantize;
    if (simd.dequantize) k.dequantize = simd.dequantize;
  }
  return table;
}

CpuFeatures without_avx512(CpuFeatures cpu) {
  cpu.avx512f = cpu.avx512bw = cpu.avx512vl = false;
  return cpu;
}

const TypeKernels* lookup(const std::vector<TypeKernels>& table, int32_t type_id) {
  for (const TypeKernels& k : table) {
    if (k.type_id == type_id) return &k;
  }
  return nullptr;
}

}  // namespace

void set_kernel_path(KernelPath path) { g_path.store(static_cast<int>(path)); }

KernelPath kernel_path() { return static_cast<KernelPath>(g_path.load()); }

const TypeKernels* find_type_kernels(int32_t type_id, KernelPath path) {
  static const std::vector<TypeKernels> scalar = scalar_table();
  static const std::vector<TypeKernels> best = simd_table(cpu_features());
  static const std::vector<TypeKernels> avx2 = simd_table(without_avx512(cpu_features()));
  return lookup(path == KernelPath::Scalar ? scalar : path == KernelPath::Avx2 ? avx2 : best, type_id);
}

const char* simd_level() { return simd_level_name(cpu_features()); }

}  // namespace tessera
