// The loop shared by the packed AVX-512 kernels: tokens in passes of up to 4,
// each pass over every 8-row group of the requested row range. Include only
// from *_avx512.cpp files; everything has internal linkage.
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>

#include "matmul/kernels.h"

namespace tessera {
namespace mm {
namespace {

constexpr int kGroupRows = 8;

// Prefetches the `bytes` starting `distance` bytes past p. One token streams
// weights faster than the hardware prefetcher alone keeps up with here
// (measured: ~15% for Q4_0 at 1 KiB ahead).
template <size_t bytes>
inline void prefetch_ahead(const uint8_t* p, size_t distance) {
  for (size_t off = 0; off < bytes; off += 64)
    _mm_prefetch(reinterpret_cast<const char*>(p + distance + off), _MM_HINT_T0);
}
constexpr int kMaxTokens = 4;  // tokens per pass over a group

// Writes a group's results (out[t]: rows r0 .. r0 + 7 of token tok[t]) into
// y, keeping only the rows inside [row_begin, row_end). A group cut by the
// range is computed whole and copied in part, so results never depend on
// how rows are split.
inline void store_group(const __m256* out, int cnt, const int64_t* tok, int64_t r0, float* y,
                        int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const int64_t lo = r0 < row_begin ? row_begin - r0 : 0;
  const int64_t hi = r0 + kGroupRows > row_end ? row_end - r0 : kGroupRows;
  for (int t = 0; t < cnt; ++t) {
    float* dst = y + tok[t] * y_stride + r0;
    if (lo == 0 && hi == kGroupRows) {
      _mm256_storeu_ps(dst, out[t]);
    } else {
      float tmp[kGroupRows];
      _mm256_storeu_ps(tmp, out[t]);
      for (int64_t r = lo; r < hi; ++r) dst[r] = tmp[r];
    }
  }
}

// F provides: kGroupBytes (one group of one block); Prep and
// prepare(rows, cnt, nb, Prep*) for per-pass activation data; and
// dots<T, kQuad>(group, nb, rows, prep, out) for one group against T tokens.
// kQuad: the tokens are TokenRounding::BatchedQuad; formats whose reference
// gemm rounds differently from its gemv follow the gemm then.
template <class F>
void run_packed(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride,
                const int32_t* tokens, int64_t ntok, bool quad, float* y, int64_t y_stride,
                int64_t row_begin, int64_t row_end) {
  typename F::Prep& prep = F::prep_storage();
  const size_t stride = static_cast<size_t>(nb) * F::kGroupBytes;
  const int64_t g_begin = row_begin / kGroupRows;
  const int64_t g_end = (row_end + kGroupRows - 1) / kGroupRows;
  for (int64_t t0 = 0; t0 < ntok; t0 += kMaxTokens) {
    const int cnt = static_cast<int>(ntok - t0 < kMaxTokens ? ntok - t0 : kMaxTokens);
    const uint8_t* rows[kMaxTokens];
    int64_t tok[kMaxTokens];
    for (int t = 0; t < cnt; ++t) {
      tok[t] = tokens ? tokens[t0 + t] : t0 + t;
      rows[t] = xq + tok[t] * static_cast<int64_t>(xq_stride);
    }
    F::prepare(rows, cnt, nb, &prep);
    for (int64_t g = g_begin; g < g_end; ++g) {
      __m256 out[kMaxTokens];
      const uint8_t* group = packed + g * stride;
      if (quad) {
        switch (cnt) {
          case 1: F::template dots<1, true>(group, nb, rows, prep, out); break;
          case 2: F::template dots<2, true>(group, nb, rows, prep, out); break;
          case 3: F::template dots<3, true>(group, nb, rows, prep, out); break;
          default: F::template dots<4, true>(group, nb, rows, prep, out); break;
        }
      } else {
        switch (cnt) {
          case 1: F::template dots<1, false>(group, nb, rows, prep, out); break;
          case 2: F::template dots<2, false>(group, nb, rows, prep, out); break;
          case 3: F::template dots<3, false>(group, nb, rows, prep, out); break;
          default: F::template dots<4, false>(group, nb, rows, prep, out); break;
        }
      }
      store_group(out, cnt, tok, g * kGroupRows, y, y_stride, row_begin, row_end);
    }
  }
}

// Helpers of the super-block (K-quant) packed kernels.
// Packed formats that need no per-pass activation data.
struct NoPrep {
  static NoPrep& storage() {
    static NoPrep none;
    return none;
  }
};

inline __m256i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Eight per-row byte scales (at p) as int32.
inline __m256i row_scales_u8_epi32(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
// Eight per-row byte scales (at p) times the rows' d, as floats.
inline __m256 row_scales_i8(const uint8_t* p, __m256 d) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))), d);
}

// A packed format F (with kGroupBytes, pack, and run_packed's interface) as
// a PackedKernel.
template <class F>
PackedKernel packed_of() {
  PackedKernel k;
  k.group_bytes = F::kGroupBytes;
  k.pack = F::pack;
  k.run = run_packed<F>;
  return k;
}

}  // namespace
}  // namespace mm
}  // namespace tessera
