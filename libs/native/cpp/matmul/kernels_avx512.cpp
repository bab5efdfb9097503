// AVX-512 kernels (VL + BW + VNNI, on 256-bit registers) over row-interleaved
// weights (Q4_1, Q5_1, IQ4_NL; Q8_0, Q5_0 and Q4_0 are in
// packed_lanes16_avx512.cpp, on 512-bit registers). A packed group holds one block of 8 consecutive rows: their 8 fp16
// scales, then the quants arranged so that 32-bit lane r of every vector holds
// 4 consecutive quants of row r. One vpdpbusd with 4 broadcast activation
// bytes then advances all 8 row sums at once, and the 8 results come out as
// one vector: no horizontal sums, one scale multiply per 8 rows.
//
// vpdpbusd multiplies unsigned by signed bytes, so weights are stored
// unsigned (Q4_0: the nibbles 0..15 as is; IQ4_NL:
// w + 128; Q4_1 / Q5_1 are unsigned already) and the offset is
// removed with the activation block's sum: sum((u - k) y) = sum(u y) - k sum(y).
//
// Types without a kernel here use their AVX2 kernel on the unpacked rows.
//
// Only <immintrin.h> and plain C headers are used in this file: a standard
// library template instantiated here would be compiled for AVX-512 and could
// be shared with code that runs on any CPU.
#pragma GCC target("avx512vnni")
#include <cstring>

#include "matmul/kernels.h"
#include "matmul/packed_runner.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

// Longest row (in blocks) whose per-pass activation data fits the buffer.
constexpr int64_t kMaxBlocks = 2048;  // 65536 columns

// 32-element 4-bit formats (Q4_0/1, Q5_1, IQ4_NL): byte j of a row's qs holds
// element j (low nibble) and element j + 16 (high nibble); lane r of quant
// vector k gets qs[4k .. 4k + 3] of row r, so after splitting the nibbles the
// low halves pair with activations 4k.. and the high halves with 16 + 4k...
template <class Variant>
struct PackedNibbles {
  static constexpr int kVectors = 4;
  static constexpr int kExtra = Variant::kExtra;  // bytes between scales and quants
  static constexpr int kOffset = Variant::kOffset;
  static constexpr bool kHasMin = Variant::kHasMin;
  static constexpr size_t kSrcBlock = Variant::kSrcBlock;
  using Y = typename Variant::Y;
  static void pack_block(const uint8_t* src, int r, uint8_t* extra, uint8_t* quants) {
    const uint8_t* qs = src + Variant::kQsOffset;
    for (int k = 0; k < kVectors; ++k) std::memcpy(quants + 32 * k + 4 * r, qs + 4 * k, 4);
    Variant::pack_extra(src, r, extra);
  }
  template <int T>
  static void accumulate(const uint8_t* extra, const uint8_t* quants, const int8_t* const* yqs,
                         __m256i* acc) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    for (int k = 0; k < kVectors; ++k) {
      const __m256i v = load256(quants + 32 * k);
      __m256i lo = _mm256_and_si256(v, low);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
      Variant::finish(extra, k, &lo, &hi);
      for (int t = 0; t < T; ++t) {
        int32_t a, b;
        std::memcpy(&a, yqs[t] + 4 * k, 4);
        std::memcpy(&b, yqs[t] + 16 + 4 * k, 4);
        acc[t] = _mm256_dpbusd_epi32(acc[t], lo, _mm256_set1_epi32(a));
        acc[t] = _mm256_dpbusd_epi32(acc[t], hi, _mm256_set1_epi32(b));
      }
    }
  }
};

struct Q4_0Nibbles {  // value = nibble - 8
  static constexpr int kExtra = 0, kOffset = 8, kQsOffset = 2;
  static constexpr bool kHasMin = false;
  static constexpr size_t kSrcBlock = sizeof(block_q4_0);
  using Y = block_q8_0;
  static void pack_extra(const uint8_t*, int, uint8_t*) {}
  static void finish(const uint8_t*, int, __m256i*, __m256i*) {}
};

// Q4_1: value = d * nibble + m (the min term is settled in float).
struct Q4_1Nibbles : Q4_0Nibbles {
  static constexpr int kOffset = 0, kQsOffset = 4;
  static constexpr bool kHasMin = true;
  static constexpr size_t kSrcBlock = sizeof(block_q4_1);
  using Y = block_q8_1;
};

// Q5_1: value = d * (nibble | fifth bit << 4) + m. The 32 fifth bits of row r
// are regrouped at packing into 4 bytes at extra[4r + k]: bit j is element
// 4k + j's, bit 4 + j is element 16 + 4k + j's.
template <int kQhOffset>
struct FifthBitNibbles {
  static constexpr int kExtra = 32;
  static void pack_extra(const uint8_t* src, int r, uint8_t* extra) {
    uint32_t qh;
    std::memcpy(&qh, src + kQhOffset, 4);
    for (int k = 0; k < 4; ++k) {
      uint8_t byte = 0;
      for (int j = 0; j < 4; ++j) {
        byte |= static_cast<uint8_t>(((qh >> (4 * k + j)) & 1u) << j);
        byte |= static_cast<uint8_t>(((qh >> (16 + 4 * k + j)) & 1u) << (4 + j));
      }
      extra[4 * r + k] = byte;
    }
  }
  static void finish(const uint8_t* extra, int k, __m256i* lo, __m256i* hi) {
    // Byte k of every 4-byte lane, copied to the lane's 4 bytes.
    const __m256i pick = _mm256_add_epi8(
        _mm256_set1_epi8(static_cast<char>(k)),
        _mm256_set_epi8(12, 12, 12, 12, 8, 8, 8, 8, 4, 4, 4, 4, 0, 0, 0, 0, 12, 12, 12, 12, 8, 8,
                        8, 8, 4, 4, 4, 4, 0, 0, 0, 0));
    const __m256i bits = _mm256_shuffle_epi8(load256(extra), pick);
    const __m256i lo_bit = _mm256_set1_epi32(0x08040201);
    const __m256i hi_bit = _mm256_set1_epi32(static_cast<int>(0x80402010u));
    const __m256i sixteen = _mm256_set1_epi8(16);
    *lo = _mm256_mask_add_epi8(*lo, _mm256_test_epi8_mask(bits, lo_bit), *lo, sixteen);
    *hi = _mm256_mask_add_epi8(*hi, _mm256_test_epi8_mask(bits, hi_bit), *hi, sixteen);
  }
};

struct Q5_1Nibbles : FifthBitNibbles<4> {  // value = d * (nibble | fifth bit << 4) + m
  static constexpr int kOffset = 0, kQsOffset = 8;
  static constexpr bool kHasMin = true;
  static constexpr size_t kSrcBlock = sizeof(block_q5_1);
  using Y = block_q8_1;
};

// IQ4_NL: value = codebook[nibble]; stored as codebook + 128 (unsigned).
struct IQ4_NLNibbles {
  static constexpr int kExtra = 0, kOffset = 128, kQsOffset = 2;
  static constexpr bool kHasMin = false;
  static constexpr size_t kSrcBlock = sizeof(block_iq4_nl);
  using Y = block_q8_0;
  static void pack_extra(const uint8_t*, int, uint8_t*) {}
  static void finish(const uint8_t*, int, __m256i* lo, __m256i* hi) {
    const __m256i table = _mm256_xor_si256(
        _mm256_broadcastsi128_si256(load128(kvalues_iq4nl)), _mm256_set1_epi8(static_cast<char>(0x80)));
    *lo = _mm256_shuffle_epi8(table, *lo);
    *hi = _mm256_shuffle_epi8(table, *hi);
  }
};

// A group: 8 fp16 scales d (and 8 fp16 mins m for the *_1 formats), extra
// bits, quant vectors.
template <class F>
constexpr size_t scale_bytes() {
  return F::kHasMin ? 32 : 16;
}
template <class F>
constexpr size_t group_bytes() {
  return scale_bytes<F>() + F::kExtra + 32 * F::kVectors;
}

template <class F>
void pack(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) {
  const int64_t groups = (rows + kGroupRows - 1) / kGroupRows;
  std::memset(dst, 0, static_cast<size_t>(groups * nb) * group_bytes<F>());
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      uint8_t* out = dst + static_cast<size_t>(g * nb + b) * group_bytes<F>();
      for (int r = 0; r < kGroupRows && g * kGroupRows + r < rows; ++r) {
        const uint8_t* src = data + (g * kGroupRows + r) * row_bytes + b * F::kSrcBlock;
        std::memcpy(out + 2 * r, src, 2);  // fp16 d comes first in every format
        if (F::kHasMin) std::memcpy(out + 16 + 2 * r, src + 2, 2);  // then m
        F::pack_block(src, r, out + scale_bytes<F>(), out + scale_bytes<F>() + F::kExtra);
      }
    }
}

// Per-token activation data for one pass: block scales and offset terms.
struct TokenPrep {
  float d[kMaxTokens][kMaxBlocks];
  float s[kMaxTokens][kMaxBlocks];  // Q8_1's d * sum(q), for the min term
  int32_t offset[kMaxTokens][kMaxBlocks];
};

TokenPrep& token_prep() {
  static thread_local TokenPrep prep;
  return prep;
}

// Adapts a 32-element format F to run_packed.
template <class F>
struct Blocks32Packed {
  static constexpr size_t kGroupBytes = group_bytes<F>();
  using Prep = TokenPrep;
  static Prep& prep_storage() { return token_prep(); }

  static void prepare(const uint8_t* const* rows, int ntok, int64_t nb, Prep* p) {
    for (int t = 0; t < ntok; ++t) {
      const auto* y = reinterpret_cast<const typename F::Y*>(rows[t]);
      for (int64_t b = 0; b < nb; ++b) {
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += y[b].qs[j];
        p->d[t][b] = half_to_float(y[b].d);
        p->offset[t][b] = -F::kOffset * sum;
        if (F::kHasMin) p->s[t][b] = half_to_float(reinterpret_cast<const block_q8_1*>(y + b)->s);
      }
    }
  }

  // One group (8 rows) against T tokens: out[t] holds the 8 row results.
  template <int T, bool kQuad>
  static void dots(const uint8_t* group, int64_t nb, const uint8_t* const* rows, const Prep& p,
                   __m256* out) {
    __m256 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
      prefetch_ahead<kGroupBytes>(g, 1024);
      __m256i isum[T];
      const int8_t* yqs[T];
      for (int t = 0; t < T; ++t) {
        isum[t] = _mm256_set1_epi32(p.offset[t][b]);
        yqs[t] = reinterpret_cast<const typename F::Y*>(rows[t])[b].qs;
      }
      F::template accumulate<T>(g + scale_bytes<F>(), g + scale_bytes<F>() + F::kExtra, yqs, isum);
      const __m256 dw = _mm256_cvtph_ps(load128(g));
      for (int t = 0; t < T; ++t)
        acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(p.d[t][b])),
                                 _mm256_cvtepi32_ps(isum[t]), acc[t]);
      if (F::kHasMin) {
        const __m256 mw = _mm256_cvtph_ps(load128(g + 16));
        for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(p.s[t][b]), acc[t]);
      }
    }
    for (int t = 0; t < T; ++t) out[t] = acc[t];
  }
};

template <class F>
PackedKernel blocks32_packed_of() {
  PackedKernel k;
  k.group_bytes = group_bytes<F>();
  k.pack = pack<F>;
  k.run = run_packed<Blocks32Packed<F>>;
  return k;
}

}  // namespace

Kernel avx512_kernel(GgmlType) { return {}; }

PackedKernel avx512_packed_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::Q4_0: return avx512_packed_lanes16_kernel(wtype);
    case GgmlType::Q4_1: return blocks32_packed_of<PackedNibbles<Q4_1Nibbles>>();
    case GgmlType::Q5_0: return avx512_packed_lanes16_kernel(wtype);
    case GgmlType::Q5_1: return blocks32_packed_of<PackedNibbles<Q5_1Nibbles>>();
    case GgmlType::IQ4_NL: return blocks32_packed_of<PackedNibbles<IQ4_NLNibbles>>();
    case GgmlType::Q8_0: return avx512_packed_lanes16_kernel(wtype);
    default: return avx512_packed_kquant_kernel(wtype);
  }
}

int64_t avx512_packed_max_blocks() { return kMaxBlocks; }

}  // namespace mm
}  // namespace tessera
