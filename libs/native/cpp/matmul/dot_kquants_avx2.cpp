// AVX2 kernels for the 256-element super-block types. Within a super-block
// every product is an exact integer: weights (made unsigned where the format
// has an offset) meet the int8 activations in maddubs, sub-block scales are
// applied in int16 with madd, and offsets / mins are settled with the
// activation's per-16 sums. Each super-block's integer totals are then
// combined in float exactly as the scalar reference does, so these kernels
// return bit-identical results to it.
#include <cstddef>
#include <type_traits>
#include "matmul/kernels.h"
#include "matmul/kquant_scales.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

inline __m256i mask8(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }

// The reference's x86 build keeps a super-block's integer dot as 8 int32
// lanes (lane k: elements 4k..4k+3 of every 32-element run), converts each
// lane to float, accumulates lane by lane with a fused multiply-add by
// d_x * d_y over super-blocks, and sums the 8 lanes at the end (hsum_ps).
// Rounding the lanes separately instead of the exact total changes the last
// bits, and those decide ties when the next layer quantizes its input, so
// Q3_K and Q6_K (which the reference runs through these vec-dots) keep
// exactly this shape.
inline __m256 lanes_to_float(__m256 acc, float d, __m256i lanes) {
  return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lanes), acc);
}

// sum += scale-weighted integer dot, minus the min term, in float.
inline float combine(float sum, float dall, int isum, float dmin, int msum) {
  return sum + (dall * static_cast<float>(isum) - dmin * static_cast<float>(msum));
}

// Rows stream from memory; fetch the super-block after next ahead of the
// hardware prefetcher.
template <class Block>
inline void prefetch_next(const Block* x) {
  const char* p = reinterpret_cast<const char*>(x + 2);
  for (size_t off = 0; off < sizeof(Block); off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
}

template <int T>
inline void block_rows(const uint8_t* const* yrows, int64_t i, const block_q8_K** y) {
  for (int t = 0; t < T; ++t) y[t] = reinterpret_cast<const block_q8_K*>(yrows[t]) + i;
}

struct Q2K {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const block_q2_K*>(w);
    for (int t = 0; t < T; ++t) out[t] = 0.0f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
      prefetch_next(x + i);
      const block_q8_K* y[T];
      block_rows<T>(yrows, i, y);
      const uint8_t* sc = x[i].scales;
      __m256i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        __m256i q = load256(x[i].qs + 32 * h);
        for (int s = 0; s < 4; ++s) {
          const int g = 8 * h + 2 * s;
          const __m256i v = _mm256_and_si256(q, mask8(3));
          const __m256i scale = pair_scales16(sc[g] & 0xF, sc[g + 1] & 0xF);
          for (int t = 0; t < T; ++t) {
            const __m256i p = _mm256_maddubs_epi16(v, load256(y[t]->qs + 128 * h + 32 * s));
            acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(p, scale));
          }
          q = _mm256_srli_epi16(q, 2);
        }
      }
      const __m256i mins = _mm256_cvtepu8_epi16(
          _mm_and_si128(_mm_srli_epi16(load128(sc), 4), _mm_set1_epi8(0x0F)));
      const float d = half_to_float(x[i].d), dm = half_to_float(x[i].dmin);
      for (int t = 0; t < T; ++t) {
        const int msum = hsum_epi32(_mm256_madd_epi16(load256(y[t]->bsums), mins));
        out[t] = combine(out[t], d * y[t]->d, hsum_epi32(acc[t]), dm * y[t]->d, msum);
      }
    }
  }
};

struct Q3K {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const block_q3_K*>(w);
    __m256 facc[T];
    for (int t = 0; t < T; ++t) facc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
      prefetch_next(x + i);
      const block_q8_K* y[T];
      block_rows<T>(yrows, i, y);
      int8_t sc[16];
      unpack_q3k_scales(x[i].scales, sc);
      __m256i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_si256();
      __m256i hm = load256(x[i].hmask);
      for (int h = 0; h < 2; ++h) {
        __m256i q = load256(x[i].qs + 32 * h);
        for (int s = 0; s < 4; ++s) {
          const int g = 8 * h + 2 * s;
          // value = low 2 bits - 4 where the high bit is clear: the -4 is
          // taken off each pair sum in int16, so every lane holds the signed
          // products of its own 4 elements (lanes_to_float needs that).
          const __m256i low = _mm256_and_si256(q, mask8(3));
          const __m256i minus = _mm256_andnot_si256(_mm256_slli_epi16(_mm256_and_si256(hm, mask8(1)), 2), mask8(4));
          const __m256i scale = pair_scales16(sc[g], sc[g + 1]);
          for (int t = 0; t < T; ++t) {
            const __m256i y8 = load256(y[t]->qs + 128 * h + 32 * s);
            const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(low, y8), _mm256_maddubs_epi16(minus, y8));
            acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(p, scale));
          }
          q = _mm256_srli_epi16(q, 2);
          hm = _mm256_srli_epi16(hm, 1);
        }
      }
      const float d = half_to_float(x[i].d);
      for (int t = 0; t < T; ++t) facc[t] = lanes_to_float(facc[t], y[t]->d * d, acc[t]);
    }
    for (int t = 0; t < T; ++t) out[t] = hsum_ps(facc[t]);
  }
};

// Q4_K and Q5_K: 4 chunks of 64 elements; chunk c holds sub-block 2c in the
// low nibbles and 2c + 1 in the high nibbles. Q5_K adds a fifth bit per
// element from qh (bit 2c for the low half, 2c + 1 for the high half).
template <bool kFifthBit>
struct K4Like {
  using Block = typename std::conditional<kFifthBit, block_q5_K, block_q4_K>::type;
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const Block*>(w);
    for (int t = 0; t < T; ++t) out[t] = 0.0f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
      prefetch_next(x + i);
      const block_q8_K* y[T];
      block_rows<T>(yrows, i, y);
      uint8_t sc[8], mn[8];
      unpack_k4_scales(x[i].scales, sc, mn);
      __m256i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_si256();
      __m256i hb = _mm256_setzero_si256();
      if (kFifthBit) hb = load256(reinterpret_cast<const block_q5_K*>(x + i)->qh);
      for (int c = 0; c < 4; ++c) {
        const __m256i q = load256(x[i].qs + 32 * c);
        __m256i lo = _mm256_and_si256(q, mask8(0x0F));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask8(0x0F));
        if (kFifthBit) {
          lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(hb, mask8(1)), 4));
          hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), mask8(1)), 4));
          hb = _mm256_srli_epi16(hb, 2);
        }
        const __m256i s_lo = _mm256_set1_epi16(sc[2 * c]);
        const __m256i s_hi = _mm256_set1_epi16(sc[2 * c + 1]);
        for (int t = 0; t < T; ++t) {
          const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(y[t]->qs + 64 * c));
          const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(y[t]->qs + 64 * c + 32));
          acc[t] = _mm256_add_epi32(acc[t], _mm256_add_epi32(_mm256_madd_epi16(p_lo, s_lo),
                                                             _mm256_madd_epi16(p_hi, s_hi)));
        }
      }
      // Each min covers two per-16 activation sums.
      const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(mn));
      const __m256i mins = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
      const float d = half_to_float(x[i].d), dm = half_to_float(x[i].dmin);
      for (int t = 0; t < T; ++t) {
        const int msum = hsum_epi32(_mm256_madd_epi16(load256(y[t]->bsums), mins));
        out[t] = combine(out[t], d * y[t]->d, hsum_epi32(acc[t]), dm * y[t]->d, msum);
      }
    }
  }
};

struct Q6K {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const block_q6_K*>(w);
    __m256 facc[T];
    for (int t = 0; t < T; ++t) facc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
      prefetch_next(x + i);
      const block_q8_K* y[T];
      block_rows<T>(yrows, i, y);
      const int8_t* sc = x[i].scales;
      __m256i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i ql0 = load256(x[i].ql + 64 * h);
        const __m256i ql1 = load256(x[i].ql + 64 * h + 32);
        const __m256i qh = load256(x[i].qh + 32 * h);
        // Unsigned 6-bit values (stored value + 32) of the four 32-element runs.
        __m256i v[4];
        v[0] = _mm256_or_si256(_mm256_and_si256(ql0, mask8(0x0F)),
                               _mm256_slli_epi16(_mm256_and_si256(qh, mask8(3)), 4));
        v[1] = _mm256_or_si256(_mm256_and_si256(ql1, mask8(0x0F)),
                               _mm256_slli_epi16(_mm256_and_si256(qh, mask8(12)), 2));
        v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), mask8(0x0F)),
                               _mm256_and_si256(qh, mask8(48)));
        v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), mask8(0x0F)),
                               _mm256_and_si256(_mm256_srli_epi16(qh, 2), mask8(48)));
        for (int k = 0; k < 4; ++k) {
          const int g = 8 * h + 2 * k;
          const __m256i scale = pair_scales16(sc[g], sc[g + 1]);
          for (int t = 0; t < T; ++t) {
            const __m256i p = _mm256_maddubs_epi16(v[k], load256(y[t]->qs + 128 * h + 32 * k));
            acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(p, scale));
          }
        }
      }
      const __m256i scales16 = _mm256_cvtepi8_epi16(load128(sc));
      const float d = half_to_float(x[i].d);
      for (int t = 0; t < T; ++t) {
        // Undo the +32: lane k loses 32 * (scale * sum(y)) of groups 2k and
        // 2k + 1.
        const __m256i offset = _mm256_madd_epi16(load256(y[t]->bsums), scales16);
        facc[t] = lanes_to_float(facc[t], y[t]->d * d, _mm256_sub_epi32(acc[t], _mm256_slli_epi32(offset, 5)));
      }
    }
    for (int t = 0; t < T; ++t) out[t] = hsum_ps(facc[t]);
  }
};

struct IQ4XS {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const block_iq4_xs*>(w);
    const __m256i table = _mm256_broadcastsi128_si256(load128(kvalues_iq4nl));
    for (int t = 0; t < T; ++t) out[t] = 0.0f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
      prefetch_next(x + i);
      const block_q8_K* y[T];
      block_rows<T>(yrows, i, y);
      __m256i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_si256();
      for (int ib = 0; ib < 8; ++ib) {
        const __m256i v = _mm256_shuffle_epi8(table, nibbles_32(x[i].qs + 16 * ib));
        const __m256i av = _mm256_abs_epi8(v);
        const __m256i scale = _mm256_set1_epi16(
            static_cast<int16_t>(iq4xs_scale(x[i].scales_l, x[i].scales_h, ib)));
        for (int t = 0; t < T; ++t) {
          const __m256i s = _mm256_sign_epi8(load256(y[t]->qs + 32 * ib), v);
          acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(av, s), scale));
        }
      }
      const float d = half_to_float(x[i].d);
      for (int t = 0; t < T; ++t) out[t] = combine(out[t], d * y[t]->d, hsum_epi32(acc[t]), 0.0f, 0);
    }
  }
};

template <class F>
Kernel kernel_of() {
  return {dot_single<F>, tile_multi<F, 4>};
}

}  // namespace

Kernel avx2_kquant_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::Q2_K: return kernel_of<Q2K>();
    case GgmlType::Q3_K: return kernel_of<Q3K>();
    case GgmlType::Q4_K: return kernel_of<K4Like<false>>();
    case GgmlType::Q5_K: return kernel_of<K4Like<true>>();
    case GgmlType::Q6_K: return kernel_of<Q6K>();
    case GgmlType::IQ4_XS: return kernel_of<IQ4XS>();
    default: return {};
  }
}

}  // namespace mm
}  // namespace tessera
