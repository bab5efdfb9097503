// F16 / BF16 conversions with F16C and AVX2. Hardware float->half rounding is
// round-to-nearest-even with subnormals, like the scalar code; the one
// difference is NaN (hardware keeps the payload, the reference writes 0x7e00),
// so any vector holding a NaN is redone with the scalar conversion.
#include <immintrin.h>

#include "quant_common.h"
#include "simd_kernels.h"

namespace tessera {

size_t quantize_f16_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t n = nrows * n_per_row;
  uint16_t* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(src + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q))) {
      for (int j = 0; j < 8; ++j) y[i + j] = fp32_to_fp16(src[i + j]);
      continue;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  for (; i < n; ++i) y[i] = fp32_to_fp16(src[i]);
  return static_cast<size_t>(n) * sizeof(uint16_t);
}

void dequantize_row_f16_avx2(const void* src, float* dst, int64_t k) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  for (; i < k; ++i) dst[i] = fp16_to_fp32(x[i]);
}

size_t quantize_bf16_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* /*imatrix*/) {
  const int64_t n = nrows * n_per_row;
  uint16_t* y = static_cast<uint16_t*>(dst);
  const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  const __m256i quiet = _mm256_set1_epi32(0x40);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i halves[2];
    for (int part = 0; part < 2; ++part) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 8 * part));
      // Round to nearest even on the dropped 16 bits.
      const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), one);
      const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(x, bias), lsb), 16);
      // NaN: truncate and force the quiet bit instead.
      const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(x, abs_mask), inf);
      const __m256i nan_bits = _mm256_or_si256(_mm256_srli_epi32(x, 16), quiet);
      halves[part] = _mm256_blendv_epi8(rounded, nan_bits, is_nan);
    }
    // Values are < 2^16, so unsigned-saturating packing is exact; it works
    // per 128-bit lane, hence the cross-lane permute.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(halves[0], halves[1]), 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), packed);
  }
  for (; i < n; ++i) y[i] = fp32_to_bf16(src[i]);
  return static_cast<size_t>(n) * sizeof(uint16_t);
}

void dequantize_row_bf16_avx2(const void* src, float* dst, int64_t k) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_slli_epi32(w, 16));
  }
  for (; i < k; ++i) dst[i] = bf16_to_fp32(x[i]);
}

}  // namespace tessera
