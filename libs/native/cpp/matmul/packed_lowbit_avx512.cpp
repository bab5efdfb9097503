// Packed AVX-512 (VL + BW + VNNI) kernels for Q2_K and IQ4_XS: 8 rows of one
// super-block per group, quants arranged as in kernels_avx512.cpp (lane r of a
// vector holds 4 consecutive quants of row r), sub-block scales unpacked to
// one byte per row. Per sub-block, vpdpbusd gives 8 exact integer row sums.
// Q2_K combines them as the reference's repacked kernels do (see below);
// IQ4_XS scales them in float by d * scale (exact: an fp16 times a small
// integer) and each super-block's total by the activation's d.
// Same-file rules as kernels_avx512.cpp: no standard library templates here.
#pragma GCC target("avx512vnni")
#include <cstring>

#include "matmul/kernels.h"
#include "matmul/kquant_scales.h"
#include "matmul/packed_runner.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

// Q2_K group: d[8], dmin[8] (fp16); the scale bytes (low nibble: scale,
// high nibble: min) as pairs (groups 2i, 2i + 1) per row for i = 0..7; then
// for each half h 8 vectors, vector k holding qs[32h + 4k ..] of each row.
// Shift s of a qs byte gives element 128h + 32s + 4k + j (0..3), in group
// 8h + 2s + k / 4.
struct PackedQ2K {
  static constexpr size_t kQsAt = 32 + 128;
  static constexpr size_t kGroupBytes = kQsAt + 512;
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
          const auto* x = reinterpret_cast<const block_q2_K*>(data + (g * kGroupRows + r) * row_bytes) + b;
          std::memcpy(out + 2 * r, &x->d, 2);
          std::memcpy(out + 16 + 2 * r, &x->dmin, 2);
          for (int i = 0; i < 8; ++i) std::memcpy(out + 32 + 16 * i + 2 * r, x->scales + 2 * i, 2);
          for (int v = 0; v < 16; ++v) std::memcpy(out + kQsAt + 32 * v + 4 * r, x->qs + 4 * v, 4);
        }
      }
  }

  // As the reference's repacked Q2_K kernels: the scaled dot and the min term
  // stay exact integers per row and are accumulated in float with one fused
  // multiply-add each by (d or dmin) * d_y, per super-block (gemv) or per
  // 128-element half (gemm, kQuad), and subtracted at the end.
  template <int T, bool kQuad>
  static void dots(const uint8_t* group, int64_t nb, const uint8_t* const* rows, const Prep&,
                   __m256* out) {
    const __m256i three = _mm256_set1_epi8(3);
    const __m256i nibble = _mm256_set1_epi32(0x0F);
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
      for (int h = 0; h < 2; ++h) {
        __m256i dot[T], msum[T];
        for (int t = 0; t < T; ++t) dot[t] = msum[t] = _mm256_setzero_si256();
        for (int q = 0; q < 2; ++q) {
          __m256i sum[T][4];
          for (int t = 0; t < T; ++t)
            for (int s = 0; s < 4; ++s) sum[t][s] = _mm256_setzero_si256();
          for (int k = 4 * q; k < 4 * q + 4; ++k) {
            __m256i qs = load256(g + kQsAt + 32 * (8 * h + k));
            for (int s = 0; s < 4; ++s) {
              const __m256i v = _mm256_and_si256(qs, three);
              for (int t = 0; t < T; ++t)
                sum[t][s] = _mm256_dpbusd_epi32(sum[t][s], v, bcast4(y[t]->qs + 128 * h + 32 * s + 4 * k));
              qs = _mm256_srli_epi16(qs, 2);
            }
          }
          for (int s = 0; s < 4; ++s) {
            // Group 8h + 2s + q: byte q of pair 4h + s.
            const __m256i pair = _mm256_cvtepu16_epi32(load128(g + 32 + 16 * (4 * h + s)));
            const __m256i sc = _mm256_and_si256(_mm256_srli_epi32(pair, 8 * q), nibble);
            for (int t = 0; t < T; ++t) dot[t] = _mm256_add_epi32(dot[t], _mm256_mullo_epi32(sc, sum[t][s]));
          }
        }
        // Min term of the half: min * (sum of its 16 activations) per group,
        // the mins of groups 2i, 2i + 1 as an int16 pair per row.
        for (int i = 4 * h; i < 4 * h + 4; ++i) {
          const __m256i pair = _mm256_cvtepu16_epi32(load128(g + 32 + 16 * i));
          const __m256i mins = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(pair, 4), nibble),
                                               _mm256_slli_epi32(_mm256_srli_epi32(pair, 12), 16));
          for (int t = 0; t < T; ++t) msum[t] = _mm256_dpwssd_epi32(msum[t], mins, bcast4(reinterpret_cast<const int8_t*>(y[t]->bsums + 2 * i)));
        }
        for (int t = 0; t < T; ++t) {
          if (kQuad) {
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), dd[t], acc[t]);
            acc_min[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum[t]), dm[t], acc_min[t]);
          } else {
            isum[t] = _mm256_add_epi32(isum[t], dot[t]);
            imin[t] = _mm256_add_epi32(imin[t], msum[t]);
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

// IQ4_XS group: d[8] (fp16); scales[8 sub-blocks][8 rows] (int8, bias
// removed); then 32 vectors, vector 4ib + k holding qs[16ib + 4k ..] of each
// row: low nibbles index elements 32ib + 4k + j, high nibbles 32ib + 16 +
// 4k + j. Codebook values are stored + 128 (unsigned).
struct PackedIQ4XS {
  static constexpr size_t kQsAt = 16 + 64;
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
          const auto* x = reinterpret_cast<const block_iq4_xs*>(data + (g * kGroupRows + r) * row_bytes) + b;
          std::memcpy(out + 2 * r, &x->d, 2);
          for (int ib = 0; ib < 8; ++ib)
            out[16 + 8 * ib + r] = static_cast<uint8_t>(iq4xs_scale(x->scales_l, x->scales_h, ib));
          for (int v = 0; v < 32; ++v) std::memcpy(out + kQsAt + 32 * v + 4 * r, x->qs + 4 * v, 4);
        }
      }
  }

  template <int T, bool kQuad>
  static void dots(const uint8_t* group, int64_t nb, const uint8_t* const* rows, const Prep&,
                   __m256* out) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i table = _mm256_xor_si256(_mm256_broadcastsi128_si256(load128(kvalues_iq4nl)),
                                           _mm256_set1_epi8(static_cast<char>(0x80)));
    __m256 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
      prefetch_ahead<kGroupBytes>(g, kGroupBytes);
      const block_q8_K* y[T];
      for (int t = 0; t < T; ++t) y[t] = reinterpret_cast<const block_q8_K*>(rows[t]) + b;
      const __m256 d = _mm256_cvtph_ps(load128(g));
      __m256 sb[T];
      for (int t = 0; t < T; ++t) sb[t] = _mm256_setzero_ps();
      for (int ib = 0; ib < 8; ++ib) {
        __m256i sum[T];
        for (int t = 0; t < T; ++t)
          sum[t] = _mm256_set1_epi32(-128 * (y[t]->bsums[2 * ib] + y[t]->bsums[2 * ib + 1]));
        for (int k = 0; k < 4; ++k) {
          const __m256i v = load256(g + kQsAt + 32 * (4 * ib + k));
          const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
          const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
          for (int t = 0; t < T; ++t) {
            sum[t] = _mm256_dpbusd_epi32(sum[t], lo, bcast4(y[t]->qs + 32 * ib + 4 * k));
            sum[t] = _mm256_dpbusd_epi32(sum[t], hi, bcast4(y[t]->qs + 32 * ib + 16 + 4 * k));
          }
        }
        const __m256 scale = row_scales_i8(g + 16 + 8 * ib, d);
        for (int t = 0; t < T; ++t) sb[t] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sum[t]), sb[t]);
      }
      for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(sb[t], _mm256_set1_ps(y[t]->d), acc[t]);
    }
    for (int t = 0; t < T; ++t) out[t] = acc[t];
  }
};

}  // namespace

PackedKernel avx512_packed_low_bit_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::Q2_K: return packed_of<PackedQ2K>();
    // Q3_K has none: the AVX2 vec-dot rounds in the reference's 8 lanes per row.
    case GgmlType::IQ4_XS: return packed_of<PackedIQ4XS>();
    default: return {};
  }
}

}  // namespace mm
}  // namespace tessera
