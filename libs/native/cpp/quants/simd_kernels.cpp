#include "simd_kernels.h"

#include "blocks.h"

namespace tessera {

namespace {

bool has_avx2(const CpuFeatures& cpu) { return cpu.avx2 && cpu.f16c && cpu.fma; }
bool has_avx512(const CpuFeatures& cpu) { return has_avx2(cpu) && cpu.avx512f && cpu.avx512bw && cpu.avx512vl; }

}  // namespace

SimdKernels best_simd_kernels(int32_t type_id, const CpuFeatures& cpu) {
  SimdKernels k;
  const bool avx2 = has_avx2(cpu), avx512 = has_avx512(cpu);
  switch (static_cast<GgmlType>(type_id)) {
    case GgmlType::F16:
      if (avx512) {
        k.quantize = quantize_f16_avx512;
        k.dequantize = dequantize_row_f16_avx512;
      } else if (avx2) {
        k.quantize = quantize_f16_avx2;
        k.dequantize = dequantize_row_f16_avx2;
      }
      break;
    case GgmlType::BF16:
      if (avx2) {
        k.quantize = quantize_bf16_avx2;
        k.dequantize = dequantize_row_bf16_avx2;
      }
      break;
    case GgmlType::Q4_0:
      if (avx2) k.quantize = quantize_q4_0_avx2;
      break;
    case GgmlType::Q5_0:
      if (avx2) k.quantize = quantize_q5_0_avx2;
      break;
    case GgmlType::Q8_0:
      if (avx2) k.quantize = quantize_q8_0_avx2;
      break;
    case GgmlType::Q2_K:
      if (avx2) k.quantize = quantize_q2_K_avx2;
      break;
    case GgmlType::Q4_K:
      if (avx2) k.quantize = quantize_q4_K_avx2;
      break;
    case GgmlType::Q5_K:
      if (avx2) k.quantize = quantize_q5_K_avx2;
      break;
    case GgmlType::Q6_K:
      if (avx2) k.quantize = quantize_q6_K_avx2;
      break;
    case GgmlType::IQ4_NL:
      if (avx512) {
        k.quantize = quantize_iq4_nl_avx512;
      } else if (avx2) {
        k.quantize = quantize_iq4_nl_avx2;
      }
      break;
    case GgmlType::IQ4_XS:
      if (avx512) {
        k.quantize = quantize_iq4_xs_avx512;
      } else if (avx2) {
        k.quantize = quantize_iq4_xs_avx2;
      }
      break;
    default:
      break;
  }
  return k;
}

const char* simd_level_name(const CpuFeatures& cpu) {
  if (has_avx512(cpu)) return "avx512";
  if (has_avx2(cpu)) return "avx2";
  return "scalar";
}

}  // namespace tessera
