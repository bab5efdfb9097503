// Packed Q8_0, Q5_0 and Q4_0 on 512-bit registers: 16 rows per group, so one
// vpdpbusd serves 16 rows (this machine class runs 512-bit multiply-adds at
// nearly the rate of 256-bit ones: about twice the work per instruction).
//
// A group holds one block of 16 consecutive rows: their 16 fp16 scales,
// the format's extra bytes, then quant vectors of 64 bytes whose 32-bit
// lane r belongs to row r. Weights are stored unsigned (vpdpbusd multiplies
// unsigned by signed bytes): Q8_0 as w + 128, Q5_0 as its 5-bit code, Q4_0
// as its nibble.
//
// Rounding of Q8_0 and Q5_0 is the reference's (its vec-dot and its sgemm alike):
// per row, 8 float lanes (lane k: elements 4k .. 4k + 3 of every block),
// each updated block by block with a fused multiply-add by d_w * d_y, then
// summed as ((4 + 0) + (6 + 2)) + ((5 + 1) + (7 + 3)). One vpdpbusd gives
// lane k of all 16 rows, so acc[k] holds lane k of the group and the final
// sums are vertical. The stored offset is removed exactly: each lane starts
// at -offset * (sum of its 4 activations), prepared once per call for
// every token (in slabs of 48), and the stored values are multiplied as
// they are. The integer lanes are those of the 8-row kernels, so results
// are too.
//
// Q4_0 rounds as the reference's repacked Q4_0 kernels (and our 8-row one
// before it): per row, one exact integer sum per block (all 32 products,
// starting at -8 * sum of the block's activations), then one fused
// multiply-add by d_w * d_y into a single float accumulator, block by block.
// Its integer sum is kept in two chains (even and odd lanes) so that
// consecutive vpdpbusd do not wait on each other; integers add exactly.
//
// Same-file rules as kernels_avx512.cpp: only <immintrin.h> and C headers.
#pragma GCC target("avx512vnni")
// GCC 12 reports the intentionally undefined pass-through operand inside its
// own 512-bit conversion intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "matmul/kernels.h"
#include "matmul/rows16_avx512.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

constexpr int kRows = 16;
constexpr int kLanes = 8;
constexpr size_t kScaleBytes = 2 * kRows;
// Weights of a row panel: tokens pass over a panel while it stays in L1.
constexpr int64_t kPanelBytes = 24 * 1024;
// Tokens per pass over a group, in 32 registers: 8 float accumulators per
// token, or for a whole-block format 3 (one float, two integer chains),
// where 6 tokens per pass measured ~10% faster than 3 (Q4_0, 16 and 128).
constexpr int kPassTokens = 3;
constexpr int kWholePassTokens = 6;
constexpr int64_t kSlabTokens = 48;  // a multiple of both

// Q8_0: vector k holds elements 4k .. 4k + 3 of each row, + 128: lane k.
struct Q8_0Lanes {
  static constexpr int kVectors = 8;
  static constexpr size_t kExtraBytes = 0;
  static constexpr int kOffset = 128;
  static constexpr bool kWholeBlock = false;
  static constexpr size_t kSrcBlock = sizeof(block_q8_0);
  static void pack_row(const uint8_t* src, int r, uint8_t*, uint8_t* quants) {
    const auto* x = reinterpret_cast<const block_q8_0*>(src);
    for (int k = 0; k < kVectors; ++k)
      for (int j = 0; j < 4; ++j) quants[64 * k + 4 * r + j] = static_cast<uint8_t>(x->qs[4 * k + j] ^ 0x80);
  }
  // lane(L, vector): the 16 rows' codes of lane L.
  template <class Fn>
  static void lanes(const uint8_t*, const uint8_t* quants, Fn&& lane) {
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k) lane(k, _mm512_loadu_si512(quants + 64 * k));
  }
};

// Q5_0: vector k holds qs[4k .. 4k + 3] of each row: low nibbles are
// elements 4k .. 4k + 3 (lane k), high nibbles 16 + 4k .. (lane 4 + k).
// The fifth bits of row r are regrouped into 4 bytes at extra[4r + k]: bit
// j is element 4k + j's, bit 4 + j element 16 + 4k + j's.
struct Q5_0Lanes {
  static constexpr int kVectors = 4;
  static constexpr size_t kExtraBytes = 4 * kRows;
  static constexpr int kOffset = 16;
  static constexpr bool kWholeBlock = false;
  static constexpr size_t kSrcBlock = sizeof(block_q5_0);
  static void pack_row(const uint8_t* src, int r, uint8_t* extra, uint8_t* quants) {
    const auto* x = reinterpret_cast<const block_q5_0*>(src);
    uint32_t qh;
    std::memcpy(&qh, x->qh, 4);
    for (int k = 0; k < kVectors; ++k) {
      std::memcpy(quants + 64 * k + 4 * r, x->qs + 4 * k, 4);
      uint8_t byte = 0;
      for (int j = 0; j < 4; ++j) {
        byte |= static_cast<uint8_t>(((qh >> (4 * k + j)) & 1u) << j);
        byte |= static_cast<uint8_t>(((qh >> (16 + 4 * k + j)) & 1u) << (4 + j));
      }
      extra[4 * r + k] = byte;
    }
  }
  template <class Fn>
  static void lanes(const uint8_t* extra, const uint8_t* quants, Fn&& lane) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i bits = _mm512_loadu_si512(extra);
    const __m512i lo_bit = _mm512_set1_epi32(0x08040201);
    const __m512i hi_bit = _mm512_set1_epi32(static_cast<int>(0x80402010u));
    const __m512i sixteen = _mm512_set1_epi8(16);
    // Byte 0 of every 4-byte lane, copied to the lane's 4 bytes (+ k: byte k).
    const __m512i pick0 = _mm512_set_epi32(0x0C0C0C0C, 0x08080808, 0x04040404, 0x00000000, 0x0C0C0C0C, 0x08080808,
                                           0x04040404, 0x00000000, 0x0C0C0C0C, 0x08080808, 0x04040404, 0x00000000,
                                           0x0C0C0C0C, 0x08080808, 0x04040404, 0x00000000);
#pragma GCC unroll 4
    for (int k = 0; k < kVectors; ++k) {
      const __m512i v = _mm512_loadu_si512(quants + 64 * k);
      const __m512i fifth = _mm512_shuffle_epi8(bits, _mm512_add_epi8(pick0, _mm512_set1_epi8(static_cast<char>(k))));
      __m512i lo = _mm512_and_si512(v, low);
      __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
      lo = _mm512_mask_add_epi8(lo, _mm512_test_epi8_mask(fifth, lo_bit), lo, sixteen);
      hi = _mm512_mask_add_epi8(hi, _mm512_test_epi8_mask(fifth, hi_bit), hi, sixteen);
      lane(k, lo);
      lane(4 + k, hi);
    }
  }
};

// Q4_0: as Q5_0 without the fifth bits (value = nibble - 8), summed per
// whole block (see the top of the file).
struct Q4_0Lanes {
  static constexpr int kVectors = 4;
  static constexpr size_t kExtraBytes = 0;
  static constexpr int kOffset = 8;
  static constexpr bool kWholeBlock = true;
  static constexpr size_t kSrcBlock = sizeof(block_q4_0);
  static void pack_row(const uint8_t* src, int r, uint8_t*, uint8_t* quants) {
    const auto* x = reinterpret_cast<const block_q4_0*>(src);
    for (int k = 0; k < kVectors; ++k) std::memcpy(quants + 64 * k + 4 * r, x->qs + 4 * k, 4);
  }
  template <class Fn>
  static void lanes(const uint8_t*, const uint8_t* quants, Fn&& lane) {
    const __m512i low = _mm512_set1_epi8(0x0F);
#pragma GCC unroll 4
    for (int k = 0; k < kVectors; ++k) {
      const __m512i v = _mm512_loadu_si512(quants + 64 * k);
      lane(k, _mm512_and_si512(v, low));
      lane(4 + k, _mm512_and_si512(_mm512_srli_epi16(v, 4), low));
    }
  }
};

template <class F>
constexpr size_t group_bytes() {
  return kScaleBytes + F::kExtraBytes + 64 * F::kVectors;
}

template <class F>
void pack(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) {
  constexpr size_t kSrcBlock = F::kSrcBlock;
  const int64_t groups = (rows + kRows - 1) / kRows;
  std::memset(dst, 0, static_cast<size_t>(groups * nb) * group_bytes<F>());
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      uint8_t* out = dst + static_cast<size_t>(g * nb + b) * group_bytes<F>();
      for (int r = 0; r < kRows && g * kRows + r < rows; ++r) {
        const uint8_t* src = data + (g * kRows + r) * row_bytes + b * kSrcBlock;
        std::memcpy(out + 2 * r, src, 2);  // fp16 d comes first in both formats
        F::pack_row(src, r, out + kScaleBytes, out + kScaleBytes + F::kExtraBytes);
      }
    }
}

// Per-slab activation data, for every token of a slab (see run()): each
// lane's starting value and each block's scale as a float. Grown on demand,
// one buffer per thread (plain malloc: no standard library templates here).
struct TokenPrep {
  int32_t* start = nullptr;  // [token][block][lane]
  float* d = nullptr;        // [token][block]
  size_t capacity = 0;       // blocks of all tokens
  ~TokenPrep() {
    std::free(start);
    std::free(d);
  }
  void reserve(size_t blocks) {
    if (blocks <= capacity) return;
    std::free(start);
    std::free(d);
    start = static_cast<int32_t*>(std::malloc(blocks * kLanes * sizeof(int32_t)));
    d = static_cast<float*>(std::malloc(blocks * sizeof(float)));
    if (!start || !d) std::abort();  // a few hundred KiB; nothing sane to do without them
    capacity = blocks;
  }
};

TokenPrep& token_prep() {
  static thread_local TokenPrep prep;
  return prep;
}

// Token i of the call: its activation blocks and its prepared data.
struct TokenRef {
  const block_q8_0* y;
  const int32_t* start;
  const float* d;
};

// Whole-block formats (kWholeBlock) use only lane 0's start: the offset
// term of the whole block.
void prepare(const uint8_t* xq, size_t xq_stride, const int32_t* tokens, int64_t ntok, int64_t nb, int offset_value,
             bool whole_block, TokenPrep* p) {
  p->reserve(static_cast<size_t>(ntok * nb));
  // vpdpbusd of ones with a block's activations gives its 8 lane sums.
  const __m256i ones = _mm256_set1_epi8(1);
  const __m256i offset = _mm256_set1_epi32(-offset_value);
  for (int64_t i = 0; i < ntok; ++i) {
    const int64_t t = tokens ? tokens[i] : i;
    const auto* y = reinterpret_cast<const block_q8_0*>(xq + t * static_cast<int64_t>(xq_stride));
    for (int64_t b = 0; b < nb; ++b) {
      const __m256i sums = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, load256(y[b].qs));
      int32_t* start = p->start + (i * nb + b) * kLanes;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(start), _mm256_mullo_epi32(sums, offset));
      if (whole_block) {
        for (int k = 1; k < kLanes; ++k) start[0] += start[k];
      }
      p->d[i * nb + b] = half_to_float(y[b].d);
    }
  }
}

// One group (16 rows) of a whole-block format against T tokens.
template <class F, int T>
void dots_whole_block(const uint8_t* group, int64_t nb, const TokenRef* tok, __m512* out) {
  constexpr size_t kGroupBytes = group_bytes<F>();
  __m512 acc[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
    if (T == 1) {
      for (size_t off = 0; off < kGroupBytes; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(g + 1024 + off), _MM_HINT_T0);
    }
    __m512i sum[T][2];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      sum[t][0] = _mm512_set1_epi32(tok[t].start[b * kLanes]);
      sum[t][1] = _mm512_setzero_si512();
    }
    F::lanes(g + kScaleBytes, g + kScaleBytes + F::kExtraBytes, [&](int k, __m512i v) {
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t)
        sum[t][k & 1] = _mm512_dpbusd_epi32(sum[t][k & 1], v, bcast4_512(tok[t].y[b].qs + 4 * k));
    });
    const __m512 dw = _mm512_cvtph_ps(load256(g));
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m512 dd = _mm512_mul_ps(dw, _mm512_set1_ps(tok[t].d[b]));
      acc[t] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_add_epi32(sum[t][0], sum[t][1])), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) out[t] = acc[t];
}

// One group (16 rows) against T tokens: out[t] holds the 16 row results.
template <class F, int T>
void dots(const uint8_t* group, int64_t nb, const TokenRef* tok, __m512* out) {
  constexpr size_t kGroupBytes = group_bytes<F>();
  __m512 acc[T][kLanes];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 8
    for (int k = 0; k < kLanes; ++k) acc[t][k] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
    if (T == 1) {  // streaming from memory: help the hardware prefetcher
      for (size_t off = 0; off < kGroupBytes; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(g + 1024 + off), _MM_HINT_T0);
    }
    const __m512 dw = _mm512_cvtph_ps(load256(g));
    __m512 dd[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) dd[t] = _mm512_mul_ps(dw, _mm512_set1_ps(tok[t].d[b]));
    F::lanes(g + kScaleBytes, g + kScaleBytes + F::kExtraBytes, [&](int k, __m512i v) {
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const __m512i lane =
            _mm512_dpbusd_epi32(_mm512_set1_epi32(tok[t].start[b * kLanes + k]), v, bcast4_512(tok[t].y[b].qs + 4 * k));
        acc[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(lane), acc[t][k]);
      }
    });
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m512 a = _mm512_add_ps(_mm512_add_ps(acc[t][4], acc[t][0]), _mm512_add_ps(acc[t][6], acc[t][2]));
    const __m512 c = _mm512_add_ps(_mm512_add_ps(acc[t][5], acc[t][1]), _mm512_add_ps(acc[t][7], acc[t][3]));
    out[t] = _mm512_add_ps(a, c);
  }
}

template <class F, int T>
void pass(const uint8_t* packed, int64_t nb, const TokenRef* tok, const int64_t* ids, int64_t g0, int64_t g1,
          float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const size_t stride = static_cast<size_t>(nb) * group_bytes<F>();
  for (int64_t g = g0; g < g1; ++g) {
    __m512 out[T];
    if constexpr (F::kWholeBlock) {
      dots_whole_block<F, T>(packed + g * stride, nb, tok, out);
    } else {
      dots<F, T>(packed + g * stride, nb, tok, out);
    }
    for (int t = 0; t < T; ++t) store_rows16(out[t], y + ids[t] * y_stride, g * kRows, row_begin, row_end);
  }
}

// Tokens [0, ntok) of a call (ids: tokens[i], or i without a list) over the
// row groups [g_begin, g_end), with their data prepared in `prep`.
template <class F>
void run_slab(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride, const int32_t* tokens,
              int64_t ntok, const TokenPrep& prep, float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const int64_t g_begin = row_begin / kRows;
  const int64_t g_end = (row_end + kRows - 1) / kRows;
  // One token uses each weight byte once: no panels. More tokens walk the
  // rows in panels small enough to stay in L1 while all tokens pass.
  const int64_t fit = kPanelBytes / static_cast<int64_t>(nb * group_bytes<F>());
  const int64_t panel = ntok == 1 ? g_end - g_begin : (fit > 1 ? fit : 1);
  for (int64_t p0 = g_begin; p0 < g_end; p0 += panel) {
    const int64_t p1 = p0 + panel < g_end ? p0 + panel : g_end;
    constexpr int kPass = F::kWholeBlock ? kWholePassTokens : kPassTokens;
    for (int64_t i0 = 0; i0 < ntok; i0 += kPass) {
      const int cnt = static_cast<int>(ntok - i0 < kPass ? ntok - i0 : kPass);
      TokenRef tok[kPass];
      int64_t ids[kPass];
      for (int i = 0; i < cnt; ++i) {
        ids[i] = tokens ? tokens[i0 + i] : i0 + i;
        tok[i] = {reinterpret_cast<const block_q8_0*>(xq + ids[i] * static_cast<int64_t>(xq_stride)),
                  prep.start + (i0 + i) * nb * kLanes, prep.d + (i0 + i) * nb};
      }
      switch (cnt) {
        case 1: pass<F, 1>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
        case 2: pass<F, 2>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
        case 3: pass<F, 3>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
        default:
          if constexpr (kPass == kWholePassTokens) {
            switch (cnt) {
              case 4: pass<F, 4>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
              case 5: pass<F, 5>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
              default: pass<F, 6>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
            }
          }
          break;
      }
    }
  }
}

// Tokens go in slabs of up to kSlabTokens, each prepared then run over all
// rows: the prepared data stays small (kSlabTokens x nb x 36 bytes), and the
// weights are read once per slab.
template <class F>
void run(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride, const int32_t* tokens,
         int64_t ntok, bool, float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  TokenPrep& prep = token_prep();
  for (int64_t s0 = 0; s0 < ntok; s0 += kSlabTokens) {
    const int64_t n = ntok - s0 < kSlabTokens ? ntok - s0 : kSlabTokens;
    int32_t ids[kSlabTokens];
    for (int64_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(tokens ? tokens[s0 + i] : s0 + i);
    prepare(xq, xq_stride, ids, n, nb, F::kOffset, F::kWholeBlock, &prep);
    run_slab<F>(packed, nb, xq, xq_stride, ids, n, prep, y, y_stride, row_begin, row_end);
  }
}

template <class F>
PackedKernel lanes16_kernel() {
  PackedKernel k;
  k.group_rows = kRows;
  k.group_bytes = group_bytes<F>();
  k.pack = pack<F>;
  k.run = run<F>;
  k.panels_inside = true;
  return k;
}

}  // namespace

PackedKernel avx512_packed_lanes16_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::Q8_0: return lanes16_kernel<Q8_0Lanes>();
    case GgmlType::Q5_0: return lanes16_kernel<Q5_0Lanes>();
    case GgmlType::Q4_0: return lanes16_kernel<Q4_0Lanes>();
    default: return {};
  }
}

}  // namespace mm
}  // namespace tessera
