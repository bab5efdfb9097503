// Pieces shared by the packed kernels that compute 16 rows per 512-bit
// vector (packed_lanes16_avx512.cpp, packed_q6k_avx512.cpp). Include only
// from *_avx512.cpp files. Internal linkage (as in x86_common.h), so each
// file keeps its own copy built with its own flags.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace tessera {
namespace mm {
namespace {

// Four bytes at p (one token's activations of a lane), in every 32-bit lane.
inline __m512i bcast4_512(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// Writes rows [r0, r0 + 16) ∩ [row_begin, row_end) of one token's results.
// A group cut by the range is computed whole and stored in part, so results
// never depend on how rows are split.
inline void store_rows16(__m512 v, float* y_row, int64_t r0, int64_t row_begin, int64_t row_end) {
  const int64_t lo = r0 < row_begin ? row_begin - r0 : 0;
  const int64_t hi = r0 + 16 > row_end ? row_end - r0 : 16;
  const __mmask16 keep = static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
  _mm512_mask_storeu_ps(y_row + r0, keep, v);
}

}  // namespace
}  // namespace mm
}  // namespace tessera
