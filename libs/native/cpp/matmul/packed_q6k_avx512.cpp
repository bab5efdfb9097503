// Packed Q6_K on 512-bit registers: 16 rows of one super-block per group, so
// every multiply-add serves 16 rows (as packed_lanes16_avx512.cpp does for
// the 32-element formats).
//
// Rounding is the reference's: per row, 8 int32 lanes (lane k: elements
// 32c + 4k .. 32c + 4k + 3 of every 32-element run c, each product scaled by
// its 16-element group's scale), lane k less 32 * (bsums[2k] * scale[2k] +
// bsums[2k + 1] * scale[2k + 1]); each lane converted to float and
// accumulated with a fused multiply-add by d_y * d_x per super-block; the 8
// lanes summed at the end as ((4 + 0) + (6 + 2)) + ((5 + 1) + (7 + 3)).
// Everything before the conversion is exact integer arithmetic, so the lanes
// may be computed in any order and with any instructions: here the offset
// term comes first, as the lane's starting value, and each group's 4
// products per lane come from one vpmaddubsw plus one vpdpwssd by the scale
// (the 6-bit codes are at most 63, so a pair of products, at most
// 2 * 63 * 128, never saturates int16).
//
// A group (3360 bytes, 16 x 210) holds: d[16] (fp16); scales[16 groups][16
// rows] (int8); then for k = 0..7 and h = 0..1 (vector 2k + h) three 64-byte
// vectors A, B, C whose 32-bit lane r holds positions 4k .. 4k + 3 of row r
// in half h. Position p of half h has four codes, elements 128h + 32s + p
// for s = 0..3 (group 8h + 2s + k / 4): bits 0-5 of A, B and C hold the codes
// of s = 0, 1, 2; their bits 6-7 hold bits 0-1, 2-3 and 4-5 of the code of
// s = 3. Three masks and one rebuilt code per vector: 9 operations for 4
// codes of 16 rows, where the blocks' own layout (nibbles plus 2-bit
// fields) took 17 for 8 rows.
//
// Same-file rules as kernels_avx512.cpp: only <immintrin.h> and C headers.
#pragma GCC target("avx512vnni")
// GCC 12 reports the intentionally undefined pass-through operand inside its
// own 512-bit conversion intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "matmul/kernels.h"
#include "matmul/rows16_avx512.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

constexpr int kRows = 16;
constexpr int kLanes = 8;
constexpr size_t kScalesAt = 2 * kRows;
constexpr size_t kQuantsAt = kScalesAt + 16 * kRows;
constexpr size_t kVectorBytes = 3 * 64;  // A, B, C of one (k, h)
constexpr size_t kGroupBytes = kQuantsAt + 16 * kVectorBytes;
static_assert(kGroupBytes == kRows * sizeof(block_q6_K), "a group is its rows' blocks, rearranged");
// Tokens per pass over a group: 8 float accumulators each, partly kept in
// memory (one load and store per lane and block, against 16 multiply-adds).
// Measured at 16 tokens: 4 ~20% faster than 2, as fast as 6; 8 spills more
// and is slower.
constexpr int kPassTokens = 4;
// One token streams the weights from memory: prefetch this far ahead.
// (Passes of more tokens measured slower with the prefetch.)
constexpr size_t kPrefetchAhead = 2 * kGroupBytes;

// Row r's half of a block (ql: 64 bytes, qh: 32) as its A, B, C bytes
// (see the top of the file), 32 positions at a time; `to` is row r's lane
// in vector (0, h).
void pack_half(const uint8_t* ql, const uint8_t* qh, uint8_t* to) {
  const __m256i lo = load256(ql), hi = load256(ql + 32), top = load256(qh);
  const __m256i m0f = _mm256_set1_epi8(0x0F);
  const auto bits = [&](__m256i v, int mask) { return _mm256_and_si256(v, _mm256_set1_epi8(static_cast<char>(mask))); };
  const __m256i c0 = _mm256_or_si256(bits(lo, 0x0F), _mm256_slli_epi16(bits(top, 0x03), 4));
  const __m256i c1 = _mm256_or_si256(bits(hi, 0x0F), _mm256_slli_epi16(bits(top, 0x0C), 2));
  const __m256i c2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lo, 4), m0f), bits(top, 0x30));
  const __m256i c3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(hi, 4), m0f), _mm256_srli_epi16(bits(top, 0xC0), 2));
  uint8_t abc[3][32];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(abc[0]), _mm256_or_si256(c0, _mm256_slli_epi16(bits(c3, 0x03), 6)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(abc[1]), _mm256_or_si256(c1, _mm256_slli_epi16(bits(c3, 0x0C), 4)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(abc[2]), _mm256_or_si256(c2, _mm256_slli_epi16(bits(c3, 0x30), 2)));
  for (int k = 0; k < 8; ++k)
    for (int i = 0; i < 3; ++i) std::memcpy(to + kVectorBytes * 2 * k + 64 * i, abc[i] + 4 * k, 4);
}

void pack(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) {
  const int64_t groups = (rows + kRows - 1) / kRows;
  std::memset(dst, 0, static_cast<size_t>(groups * nb) * kGroupBytes);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      uint8_t* out = dst + static_cast<size_t>(g * nb + b) * kGroupBytes;
      for (int r = 0; r < kRows && g * kRows + r < rows; ++r) {
        const auto* x = reinterpret_cast<const block_q6_K*>(data + (g * kRows + r) * row_bytes) + b;
        std::memcpy(out + 2 * r, &x->d, 2);
        for (int j = 0; j < 16; ++j) out[kScalesAt + kRows * j + r] = static_cast<uint8_t>(x->scales[j]);
        for (int h = 0; h < 2; ++h) pack_half(x->ql + 64 * h, x->qh + 32 * h, out + kQuantsAt + kVectorBytes * h + 4 * r);
      }
    }
}

// Group j's 16 row scales as an int16 pair (the same value twice) per 32-bit
// lane, ready for vpdpwssd.
inline __m512i row_scales(const uint8_t* p) {
  const __m512i pair = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13));
  return _mm512_shuffle_epi8(_mm512_cvtepi8_epi32(load128(p)), pair);
}

// One group (16 rows) against T tokens: out[t] holds the 16 row results.
template <int T>
void dots(const uint8_t* group, int64_t nb, const block_q8_K* const* y, __m512* out) {
  const __m512i m3f = _mm512_set1_epi8(0x3F), m03 = _mm512_set1_epi8(0x03), m0f = _mm512_set1_epi8(0x0F);
  __m512 acc[T][kLanes];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 8
    for (int k = 0; k < kLanes; ++k) acc[t][k] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* g = group + static_cast<size_t>(b) * kGroupBytes;
    if (T == 1) {
      for (size_t off = 0; off < kGroupBytes; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(g + kPrefetchAhead + off), _MM_HINT_T0);
    }
    const __m512 dw = _mm512_cvtph_ps(load256(g));
    __m512 dd[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) dd[t] = _mm512_mul_ps(_mm512_set1_ps(y[t][b].d), dw);
    __m512i sc[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) sc[j] = row_scales(g + kScalesAt + kRows * j);
#pragma GCC unroll 8
    for (int k = 0; k < kLanes; ++k) {
      // Lane k starts at -32 * (scale * bsum) of groups 2k and 2k + 1
      // (|32 * scale| <= 4096 fits int16).
      const __m512i pair = _mm512_mask_blend_epi16(0xAAAAAAAA, sc[2 * k], sc[2 * k + 1]);
      const __m512i neg32 = _mm512_sub_epi16(_mm512_setzero_si512(), _mm512_slli_epi16(pair, 5));
      __m512i lane[T];
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) lane[t] = _mm512_madd_epi16(neg32, bcast4_512(y[t][b].bsums + 2 * k));
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const uint8_t* p = g + kQuantsAt + kVectorBytes * (2 * k + h);
        const __m512i a = _mm512_loadu_si512(p), bv = _mm512_loadu_si512(p + 64), c = _mm512_loadu_si512(p + 128);
        __m512i v[4];
        v[0] = _mm512_and_si512(a, m3f);
        v[1] = _mm512_and_si512(bv, m3f);
        v[2] = _mm512_and_si512(c, m3f);
        // Code 3: bits 6-7 of A, B, C to bits 0-1, 2-3, 4-5. Word shifts
        // bring the next byte's bits in above each field; the selects and
        // the final mask keep only the fields. 0xE4: bits of the first
        // operand where the mask (third) is set, else of the second.
        const __m512i ab = _mm512_ternarylogic_epi32(_mm512_srli_epi16(a, 6), _mm512_srli_epi16(bv, 4), m03, 0xE4);
        const __m512i abc = _mm512_ternarylogic_epi32(ab, _mm512_srli_epi16(c, 2), m0f, 0xE4);
        v[3] = _mm512_and_si512(abc, m3f);
#pragma GCC unroll 4
        for (int s = 0; s < 4; ++s) {
          const __m512i scale = sc[8 * h + 2 * s + k / 4];
#pragma GCC unroll 8
          for (int t = 0; t < T; ++t) {
            const __m512i p16 = _mm512_maddubs_epi16(v[s], bcast4_512(y[t][b].qs + 128 * h + 32 * s + 4 * k));
            lane[t] = _mm512_dpwssd_epi32(lane[t], p16, scale);
          }
        }
      }
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) acc[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(lane[t]), acc[t][k]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m512 a = _mm512_add_ps(_mm512_add_ps(acc[t][4], acc[t][0]), _mm512_add_ps(acc[t][6], acc[t][2]));
    const __m512 c = _mm512_add_ps(_mm512_add_ps(acc[t][5], acc[t][1]), _mm512_add_ps(acc[t][7], acc[t][3]));
    out[t] = _mm512_add_ps(a, c);
  }
}

template <int T>
void pass(const uint8_t* packed, int64_t nb, const block_q8_K* const* y, const int64_t* ids, float* out,
          int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const size_t stride = static_cast<size_t>(nb) * kGroupBytes;
  const int64_t g_end = (row_end + kRows - 1) / kRows;
  for (int64_t g = row_begin / kRows; g < g_end; ++g) {
    __m512 res[T];
    dots<T>(packed + g * stride, nb, y, res);
    for (int t = 0; t < T; ++t) store_rows16(res[t], out + ids[t] * y_stride, g * kRows, row_begin, row_end);
  }
}

// PackedKernel::run. Many tokens come in row panels of about one group
// (the dispatcher's), so every pass after the first finds it in L1. `quad`
// changes nothing: the reference rounds Q6_K alike in every batch shape.
void run(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride, const int32_t* tokens,
         int64_t ntok, bool, float* out, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  for (int64_t t0 = 0; t0 < ntok; t0 += kPassTokens) {
    const int cnt = static_cast<int>(ntok - t0 < kPassTokens ? ntok - t0 : kPassTokens);
    const block_q8_K* y[kPassTokens];
    int64_t ids[kPassTokens];
    for (int t = 0; t < cnt; ++t) {
      ids[t] = tokens ? tokens[t0 + t] : t0 + t;
      y[t] = reinterpret_cast<const block_q8_K*>(xq + ids[t] * static_cast<int64_t>(xq_stride));
    }
    switch (cnt) {
      case 1: pass<1>(packed, nb, y, ids, out, y_stride, row_begin, row_end); break;
      case 2: pass<2>(packed, nb, y, ids, out, y_stride, row_begin, row_end); break;
      case 3: pass<3>(packed, nb, y, ids, out, y_stride, row_begin, row_end); break;
      default: pass<4>(packed, nb, y, ids, out, y_stride, row_begin, row_end); break;
    }
  }
}

}  // namespace

PackedKernel avx512_packed_q6k_kernel() {
  PackedKernel k;
  k.group_rows = kRows;
  k.group_bytes = kGroupBytes;
  k.pack = pack;
  k.run = run;
  return k;
}

}  // namespace mm
}  // namespace tessera
