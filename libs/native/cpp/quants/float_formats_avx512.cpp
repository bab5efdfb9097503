// F16 conversions 16 lanes at a time (AVX-512F). Same NaN rule as the AVX2
// version: lanes holding NaN are rewritten with the reference's 0x7e00.
#include <immintrin.h>

#include "quant_common.h"
#include "simd_kernels.h"

namespace tessera {

size_t quantize_f16_avx512(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t n = nrows * n_per_row;
  uint16_t* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(src + i);
    // The masked form with an explicit zero source avoids a GCC 12 false
    // "may be used uninitialized" warning in the unmasked intrinsic.
    const __m256i h = _mm512_mask_cvtps_ph(_mm256_setzero_si256(), 0xffff, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), h);
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    while (nan) {
      const int j = __builtin_ctz(nan);
      y[i + j] = fp32_to_fp16(src[i + j]);
      nan &= static_cast<__mmask16>(nan - 1);
    }
  }
  for (; i < n; ++i) y[i] = fp32_to_fp16(src[i]);
  return static_cast<size_t>(n) * sizeof(uint16_t);
}

void dequantize_row_f16_avx512(const void* src, float* dst, int64_t k) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    _mm512_storeu_ps(dst + i, _mm512_mask_cvtph_ps(_mm512_setzero_ps(), 0xffff, h));
  }
  for (; i < k; ++i) dst[i] = fp16_to_fp32(x[i]);
}

}  // namespace tessera
