// Packed AVX-512 (VL + BW + VNNI) kernels for Q4_K and Q5_K: 8 rows of one
// super-block per group, quants arranged as in kernels_avx512.cpp (lane r of a
// vector holds 4 consecutive quants of row r), sub-block scales unpacked to
// one byte per row. Per sub-block, vpdpbusd gives 8 exact integer row sums.
// Same-file rules as kernels_avx512.cpp: no standard library templates here.
#pragma GCC target("avx512vnni")
#include <cstring>
#include <type_traits>

#include "matmul/kernels.h"
#include "matmul/kquant_scales.h"
#include "matmul/packed_runner.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

// Q4_K / Q5_K group: d[8], dmin[8] (fp16); scales[8 sub-blocks][8 rows];
// mins as byte pairs (sub-blocks 2i, 2i+1) per row for i = 0..3; Q5_K only:
// 8 vectors of fifth bits, vector k holding qh[4k ..] of each row; then 32
// quant vectors, vector 8c + k holding qs[32c + 4k ..] of each row (low
// nibbles: sub-block 2c, high nibbles: sub-block 2c + 1; fifth bits 2c and
// 2c + 1 of the matching qh bytes).
template <bool kFifthBit>
struct PackedK4Like {
  using Block = typename std::conditional<kFifthBit, block_q5_K, block_q4_K>::type;
  static constexpr size_t kQhAt = 160;
  static constexpr size_t kQsAt = kFifthBit ? 160 + 256 : 160;
  static constexpr size_t kGroupBytes = kQsAt + 1024;
  using Prep = NoPrep;
  static Prep& prep_storage() { return NoPrep::storage(); }
  static void prepare(const uint8_t* const*, int, int64_t, Prep*) {}

  static void pack(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) {
    const int64_t groups = (rows + kGroupRows - 1) / kGroupRows;
    std::memset(dst, 0, static_cast<size_t>(groups * nb) * kGroupBytes);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t b = 0; b < nb; ++b) {
        uint8_t* out = dst + static_cast<size_t>(g * nb + b) * kGroupBytes;
        for (int r = 0; r < kGroupRows && g * kGroupRows + r < rows; ++r) {
          const auto* x = reinterpret_cast<const Block*>(data + (g * kGroupRows + r) * row_bytes) + b;
          std::memcpy(out + 2 * r, &x->d, 2);
          std::memcpy(out + 16 + 2 * r, &x->dmin, 2);
          uint8_t sc[8], mn[8];
          unpack_k4_scales(x->scales, sc, mn);
          for (int j = 0; j < 8; ++j) out[32 + 8 * j + r] = sc[j];
          for (int i = 0; i < 4; ++i) {
            out[96 + 16 * i + 2 * r] = mn[2 * i];
            out[96 + 16 * i + 2 * r + 1] = mn[2 * i + 1];
          }
          if (kFifthBit) {
            const uint8_t* qh = reinterpret_cast<const block_q5_K*>(x)->qh;
            for (int k = 0; k < 8; ++k) std::memcpy(out + kQhAt + 32 * k + 4 * r, qh + 4 * k, 4);
          }
          for (int v = 0; v < 32; ++v) std::memcpy(out + kQsAt + 32 * v + 4 * r, x->qs + 4 * v, 4);
        }
      }
  }

  template <int T, bool kQuad>
  static void dots(const uint8_t* group, int64_t nb, const uint8_t* const* rows, const Prep&,
                   __m256* out) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i sixteen = _mm256_set1_epi8(16);
    // The reference's repacked Q4_K kernels keep the scaled dot and the min
    // term as exact integers per row and accumulate each in float with a
    // fused multiply-add by (d or dmin) * d_y, subtracting the two at the
    // end: its gemv once per super-block, its gemm (kQuad) once per 64
    // elements. The same order gives the same bits.
    __m256 acc[T], acc_min[T];
    for (int t = 0; t < T; ++t) acc[t] = acc_min[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
      prefetch_ahead<kGroupBytes>(g, kGroupBytes);
      const block_q8_K* y[T];
      for (int t = 0; t < T; ++t) y[t] = reinterpret_cast<const block_q8_K*>(rows[t]) + b;
      const __m256 d = _mm256_cvtph_ps(load128(g));
      const __m256 dmin = _mm256_cvtph_ps(load128(g + 16));
      __m256 dd[T], dm[T];
      __m256i isum[T], imin[T];
      for (int t = 0; t < T; ++t) {
        const __m256 dy = _mm256_set1_ps(y[t]->d);
        dd[t] = _mm256_mul_ps(d, dy);
        dm[t] = _mm256_mul_ps(dmin, dy);
        isum[t] = imin[t] = _mm256_setzero_si256();
      }
      for (int c = 0; c < 4; ++c) {
        __m256i lo_sum[T], hi_sum[T];
        for (int t = 0; t < T; ++t) lo_sum[t] = hi_sum[t] = _mm256_setzero_si256();
        for (int k = 0; k < 8; ++k) {
          const __m256i v = load256(g + kQsAt + 32 * (8 * c + k));
          __m256i lo = _mm256_and_si256(v, low);
          __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
          if (kFifthBit) {
            const __m256i hb = load256(g + kQhAt + 32 * k);
            lo = _mm256_mask_add_epi8(lo, _mm256_test_epi8_mask(hb, _mm256_set1_epi8(static_cast<char>(1 << (2 * c)))), lo, sixteen);
            hi = _mm256_mask_add_epi8(hi, _mm256_test_epi8_mask(hb, _mm256_set1_epi8(static_cast<char>(2 << (2 * c)))), hi, sixteen);
          }
          for (int t = 0; t < T; ++t) {
            lo_sum[t] = _mm256_dpbusd_epi32(lo_sum[t], lo, bcast4(y[t]->qs + 64 * c + 4 * k));
            hi_sum[t] = _mm256_dpbusd_epi32(hi_sum[t], hi, bcast4(y[t]->qs + 64 * c + 32 + 4 * k));
          }
        }
        const __m256i s_lo = row_scales_u8_epi32(g + 32 + 8 * (2 * c));
        const __m256i s_hi = row_scales_u8_epi32(g + 32 + 8 * (2 * c + 1));
        // Mins of sub-blocks 2c, 2c + 1 times the sums of their activations.
        const __m256i mins = _mm256_cvtepu8_epi16(load128(g + 96 + 16 * c));
        for (int t = 0; t < T; ++t) {
          const int16_t* bs = y[t]->bsums;
          const int a = bs[4 * c] + bs[4 * c + 1], e = bs[4 * c + 2] + bs[4 * c + 3];
          const int pair = static_cast<int>((static_cast<uint32_t>(static_cast<uint16_t>(e)) << 16) |
                                            static_cast<uint16_t>(a));
          const __m256i dot = _mm256_add_epi32(_mm256_mullo_epi32(s_lo, lo_sum[t]), _mm256_mullo_epi32(s_hi, hi_sum[t]));
          const __m256i msum = _mm256_dpwssd_epi32(_mm256_setzero_si256(), mins, _mm256_set1_epi32(pair));
          if (kQuad) {
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), dd[t], acc[t]);
            acc_min[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), dm[t], acc_min[t]);
          } else {
            isum[t] = _mm256_add_epi32(isum[t], dot);
            imin[t] = _mm256_add_epi32(imin[t], msum);
          }
        }
      }
      if (!kQuad) {
        for (int t = 0; t < T; ++t) {
          acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), dd[t], acc[t]);
          acc_min[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(imin[t]), dm[t], acc_min[t]);
        }
      }
    }
    for (int t = 0; t < T; ++t) out[t] = _mm256_sub_ps(acc[t], acc_min[t]);
  }
};

}  // namespace

PackedKernel avx512_packed_kquant_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::Q4_K: return packed_of<PackedK4Like<false>>();
    case GgmlType::Q5_K: return packed_of<PackedK4Like<true>>();
    case GgmlType::Q6_K: return avx512_packed_q6k_kernel();
    default: return avx512_packed_low_bit_kernel(wtype);
  }
}

}  // namespace mm
}  // namespace tessera
