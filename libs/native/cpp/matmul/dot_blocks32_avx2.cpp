// AVX2 kernels for the float types and the 32-element block types. Each block
// becomes 32 signed weights w; the integer dot with the activation block is
// |w| (unsigned) x sign(y, w) (signed) through maddubs, then scaled in float.
// Each token has one float accumulator of 8 lanes (lane k: elements 4k..4k+3
// of every block), updated block after block with a fused multiply-add and
// summed at the end: the reference's x86 order (its Q8_0 vec-dot and sgemm
// both do this), so Q8_0 results match it to the last bit.
#include "matmul/kernels.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

struct Unpacked {
  __m256i w;    // signed weights (unsigned for the *_1 formats)
  __m256i aw;   // |w|
  __m256 d;     // weight scale, broadcast
  float m = 0;  // weight min (*_1 formats)
};

// Signed weights: acc += d_w * d_y * sum(w * y).
inline __m256 step_signed(const Unpacked& u, const block_q8_0& y, __m256 acc) {
  const __m256i s = _mm256_sign_epi8(load256(y.qs), u.w);
  const __m256 p = _mm256_cvtepi32_ps(dot_u8s8_avx2(u.aw, s));
  return _mm256_fmadd_ps(_mm256_mul_ps(u.d, _mm256_set1_ps(half_to_float(y.d))), p, acc);
}

// Unsigned weights with a min: the min's share, m * y.s, goes to `extra`.
inline __m256 step_unsigned(const Unpacked& u, const block_q8_1& y, __m256 acc, float& extra) {
  const __m256 p = _mm256_cvtepi32_ps(dot_u8s8_avx2(u.w, load256(y.qs)));
  extra += u.m * half_to_float(y.s);
  return _mm256_fmadd_ps(_mm256_mul_ps(u.d, _mm256_set1_ps(half_to_float(y.d))), p, acc);
}

// The 32 fifth bits of a Q5 block as 0x10 bytes (bit j -> byte j).
inline __m256i fifth_bits(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ULL));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

struct Q4_0 {
  using W = block_q4_0;
  using Y = block_q8_0;
  static Unpacked unpack(const W& b) {
    Unpacked u;
    u.w = _mm256_sub_epi8(nibbles_32(b.qs), _mm256_set1_epi8(8));
    u.aw = _mm256_abs_epi8(u.w);
    u.d = _mm256_set1_ps(half_to_float(b.d));
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float&) { return step_signed(u, y, acc); }
};

struct Q5_0 {
  using W = block_q5_0;
  using Y = block_q8_0;
  static Unpacked unpack(const W& b) {
    Unpacked u;
    const __m256i q = _mm256_or_si256(nibbles_32(b.qs), fifth_bits(b.qh));
    u.w = _mm256_sub_epi8(q, _mm256_set1_epi8(16));
    u.aw = _mm256_abs_epi8(u.w);
    u.d = _mm256_set1_ps(half_to_float(b.d));
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float&) { return step_signed(u, y, acc); }
};

struct Q8_0 {
  using W = block_q8_0;
  using Y = block_q8_0;
  static Unpacked unpack(const W& b) {
    Unpacked u;
    u.w = load256(b.qs);
    u.aw = _mm256_abs_epi8(u.w);
    u.d = _mm256_set1_ps(half_to_float(b.d));
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float&) { return step_signed(u, y, acc); }
};

struct IQ4_NL {
  using W = block_iq4_nl;
  using Y = block_q8_0;
  static Unpacked unpack(const W& b) {
    const __m256i table = _mm256_broadcastsi128_si256(load128(kvalues_iq4nl));
    Unpacked u;
    u.w = _mm256_shuffle_epi8(table, nibbles_32(b.qs));
    u.aw = _mm256_abs_epi8(u.w);
    u.d = _mm256_set1_ps(half_to_float(b.d));
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float&) { return step_signed(u, y, acc); }
};

struct Q4_1 {
  using W = block_q4_1;
  using Y = block_q8_1;
  static Unpacked unpack(const W& b) {
    Unpacked u;
    u.w = nibbles_32(b.qs);
    u.d = _mm256_set1_ps(half_to_float(b.d));
    u.m = half_to_float(b.m);
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float& extra) {
    return step_unsigned(u, y, acc, extra);
  }
};

struct Q5_1 {
  using W = block_q5_1;
  using Y = block_q8_1;
  static Unpacked unpack(const W& b) {
    Unpacked u;
    u.w = _mm256_or_si256(nibbles_32(b.qs), fifth_bits(b.qh));
    u.d = _mm256_set1_ps(half_to_float(b.d));
    u.m = half_to_float(b.m);
    return u;
  }
  static __m256 step(const Unpacked& u, const Y& y, __m256 acc, float& extra) {
    return step_unsigned(u, y, acc, extra);
  }
};

// One weight row against T activation rows, 32-element blocks.
template <class B>
struct Blocks32 {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* yrows, float* out) {
    const auto* x = reinterpret_cast<const typename B::W*>(w);
    const typename B::Y* y[T];
    __m256 acc0[T];
    float extra0[T];
    for (int t = 0; t < T; ++t) {
      y[t] = reinterpret_cast<const typename B::Y*>(yrows[t]);
      acc0[t] = _mm256_setzero_ps();
      extra0[t] = 0.0f;
    }
    const int64_t nb = n / 32;
    for (int64_t i = 0; i < nb; ++i) {
      // Rows stream from memory; run ahead of the hardware prefetcher.
      _mm_prefetch(reinterpret_cast<const char*>(x + i) + 1024, _MM_HINT_T0);
      const Unpacked u0 = B::unpack(x[i]);
      for (int t = 0; t < T; ++t) acc0[t] = B::step(u0, y[t][i], acc0[t], extra0[t]);
    }
    for (int t = 0; t < T; ++t)
      out[t] = hsum_ps(acc0[t]) + extra0[t];
  }
};

// Float rows: 16 elements per step, two accumulators per token.
struct LoadF32 {
  static __m256 load(const void* p, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(p) + i); }
  static float one(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
};
struct LoadF16 {
  static __m256 load(const void* p, int64_t i) {
    return _mm256_cvtph_ps(load128(static_cast<const uint16_t*>(p) + i));
  }
  static float one(const void* p, int64_t i) { return half_to_float(static_cast<const uint16_t*>(p)[i]); }
};
struct LoadBF16 {
  static __m256 load(const void* p, int64_t i) {
    const __m256i wide = _mm256_cvtepu16_epi32(load128(static_cast<const uint16_t*>(p) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float one(const void* p, int64_t i) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(p)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
};

template <class L>
struct Floats {
  template <int T>
  static void dots(int64_t n, const uint8_t* w, const uint8_t* const* y, float* out) {
    __m256 acc0[T], acc1[T];
    for (int t = 0; t < T; ++t) acc0[t] = acc1[t] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m256 w0 = L::load(w, i), w1 = L::load(w, i + 8);
      for (int t = 0; t < T; ++t) {
        acc0[t] = _mm256_fmadd_ps(w0, L::load(y[t], i), acc0[t]);
        acc1[t] = _mm256_fmadd_ps(w1, L::load(y[t], i + 8), acc1[t]);
      }
    }
    for (int t = 0; t < T; ++t) {
      float s = hsum_ps(_mm256_add_ps(acc0[t], acc1[t]));
      for (int64_t j = i; j < n; ++j) s += L::one(w, j) * L::one(y[t], j);
      out[t] = s;
    }
  }
};

template <class F>
Kernel kernel_of() {
  return {dot_single<F>, tile_multi<F, 4>};
}

}  // namespace

// Declared in dot_kquants_avx2.cpp and dot_floats_avx2.cpp.
Kernel avx2_kquant_kernel(GgmlType wtype);
Kernel avx2_float_kernel(GgmlType wtype);

Kernel avx2_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::F32:
    case GgmlType::F16: return avx2_float_kernel(wtype);
    case GgmlType::BF16: return kernel_of<Floats<LoadBF16>>();
    case GgmlType::Q4_0: return kernel_of<Blocks32<Q4_0>>();
    case GgmlType::Q4_1: return kernel_of<Blocks32<Q4_1>>();
    case GgmlType::Q5_0: return kernel_of<Blocks32<Q5_0>>();
    case GgmlType::Q5_1: return kernel_of<Blocks32<Q5_1>>();
    case GgmlType::Q8_0: return kernel_of<Blocks32<Q8_0>>();
    case GgmlType::IQ4_NL: return kernel_of<Blocks32<IQ4_NL>>();
    default: return avx2_kquant_kernel(wtype);
  }
}

}  // namespace mm
}  // namespace tessera
