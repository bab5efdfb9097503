// Packed Q8_0 on 512-bit registers: 16 rows per group, so one vpdpbusd
// serves 16 rows (this machine class runs 512-bit multiply-adds at nearly
// the rate of 256-bit ones: about twice the work per cycle).
//
// A group holds one block of 16 consecutive rows: their 16 fp16 scales,
// then 8 quant vectors of 64 bytes, 32-bit lane r of vector k holding
// elements 4k .. 4k + 3 of row r, stored + 128 (vpdpbusd multiplies
// unsigned by signed bytes).
//
// Rounding is the reference's for Q8_0 (its vec-dot and its sgemm alike):
// per row, 8 float lanes (lane k: elements 4k .. 4k + 3 of every block),
// each updated block by block with a fused multiply-add by d_w * d_y, then
// summed as ((4 + 0) + (6 + 2)) + ((5 + 1) + (7 + 3)). Vector k gives lane
// k of all 16 rows, so acc[k] holds lane k of the group and the final sums
// are vertical. The stored offset is removed exactly: each lane starts at
// -128 * (sum of its 4 activations), prepared once per call for every
// token, and the stored values are multiplied as they are.
//
// Same-file rules as kernels_avx512.cpp: only <immintrin.h> and C headers.
#pragma GCC target("avx512vnni")
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "matmul/kernels.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

constexpr int kRows = 16;
constexpr int kLanes = 8;
constexpr size_t kScaleBytes = 2 * kRows;
constexpr size_t kGroupBytes = kScaleBytes + kLanes * 4 * kRows;
// Weights of a row panel: tokens pass over a panel while it stays in L1.
constexpr int64_t kPanelBytes = 24 * 1024;
// Tokens per pass over a group: 8 accumulators each, in 32 registers.
constexpr int kPassTokens = 3;

void pack(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) {
  const int64_t groups = (rows + kRows - 1) / kRows;
  std::memset(dst, 0, static_cast<size_t>(groups * nb) * kGroupBytes);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      uint8_t* out = dst + static_cast<size_t>(g * nb + b) * kGroupBytes;
      for (int r = 0; r < kRows && g * kRows + r < rows; ++r) {
        const auto* x = reinterpret_cast<const block_q8_0*>(data + (g * kRows + r) * row_bytes) + b;
        std::memcpy(out + 2 * r, &x->d, 2);
        for (int k = 0; k < kLanes; ++k)
          for (int j = 0; j < 4; ++j)
            out[kScaleBytes + 64 * k + 4 * r + j] = static_cast<uint8_t>(x->qs[4 * k + j] ^ 0x80);
      }
    }
}

// Per-call activation data, for every token of the call: each lane's
// starting value and each block's scale as a float. Grown on demand, one
// buffer per thread (plain malloc: no standard library templates here).
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

void prepare(const uint8_t* xq, size_t xq_stride, const int32_t* tokens, int64_t ntok, int64_t nb, TokenPrep* p) {
  p->reserve(static_cast<size_t>(ntok * nb));
  // vpdpbusd of ones with a block's activations gives its 8 lane sums.
  const __m256i ones = _mm256_set1_epi8(1);
  const __m256i offset = _mm256_set1_epi32(-128);
  for (int64_t i = 0; i < ntok; ++i) {
    const int64_t t = tokens ? tokens[i] : i;
    const auto* y = reinterpret_cast<const block_q8_0*>(xq + t * static_cast<int64_t>(xq_stride));
    for (int64_t b = 0; b < nb; ++b) {
      const __m256i sums = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, load256(y[b].qs));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p->start + (i * nb + b) * kLanes),
                          _mm256_mullo_epi32(sums, offset));
      p->d[i * nb + b] = half_to_float(y[b].d);
    }
  }
}

inline __m512i bcast4_512(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// One group (16 rows) against T tokens: out[t] holds the 16 row results.
template <int T>
void dots(const uint8_t* group, int64_t nb, const TokenRef* tok, __m512* out) {
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
#pragma GCC unroll 8
    for (int k = 0; k < kLanes; ++k) {
      const __m512i v = _mm512_loadu_si512(g + kScaleBytes + 64 * k);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const __m512i lane =
            _mm512_dpbusd_epi32(_mm512_set1_epi32(tok[t].start[b * kLanes + k]), v, bcast4_512(tok[t].y[b].qs + 4 * k));
        acc[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(lane), acc[t][k]);
      }
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m512 a = _mm512_add_ps(_mm512_add_ps(acc[t][4], acc[t][0]), _mm512_add_ps(acc[t][6], acc[t][2]));
    const __m512 c = _mm512_add_ps(_mm512_add_ps(acc[t][5], acc[t][1]), _mm512_add_ps(acc[t][7], acc[t][3]));
    out[t] = _mm512_add_ps(a, c);
  }
}

// Writes rows [r0, r0 + 16) ∩ [row_begin, row_end) of token t's results. A
// group cut by the range is computed whole and stored in part, so results
// never depend on how rows are split.
inline void store(__m512 v, float* y_row, int64_t r0, int64_t row_begin, int64_t row_end) {
  const int64_t lo = r0 < row_begin ? row_begin - r0 : 0;
  const int64_t hi = r0 + kRows > row_end ? row_end - r0 : kRows;
  const __mmask16 keep = static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
  _mm512_mask_storeu_ps(y_row + r0, keep, v);
}

template <int T>
void pass(const uint8_t* packed, int64_t nb, const TokenRef* tok, const int64_t* ids, int64_t g0, int64_t g1,
          float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const size_t stride = static_cast<size_t>(nb) * kGroupBytes;
  for (int64_t g = g0; g < g1; ++g) {
    __m512 out[T];
    dots<T>(packed + g * stride, nb, tok, out);
    for (int t = 0; t < T; ++t) store(out[t], y + ids[t] * y_stride, g * kRows, row_begin, row_end);
  }
}

void run(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride, const int32_t* tokens,
         int64_t ntok, bool, float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  if (ntok <= 0 || row_begin >= row_end) return;
  TokenPrep& prep = token_prep();
  prepare(xq, xq_stride, tokens, ntok, nb, &prep);
  const int64_t g_begin = row_begin / kRows;
  const int64_t g_end = (row_end + kRows - 1) / kRows;
  // One token uses each weight byte once: no panels. More tokens walk the
  // rows in panels small enough to stay in L1 while all tokens pass.
  const int64_t panel = ntok == 1 ? g_end - g_begin
                                  : (kPanelBytes / static_cast<int64_t>(nb * kGroupBytes) > 1
                                         ? kPanelBytes / static_cast<int64_t>(nb * kGroupBytes)
                                         : 1);
  for (int64_t p0 = g_begin; p0 < g_end; p0 += panel) {
    const int64_t p1 = p0 + panel < g_end ? p0 + panel : g_end;
    for (int64_t i0 = 0; i0 < ntok; i0 += kPassTokens) {
      const int cnt = static_cast<int>(ntok - i0 < kPassTokens ? ntok - i0 : kPassTokens);
      TokenRef tok[kPassTokens];
      int64_t ids[kPassTokens];
      for (int i = 0; i < cnt; ++i) {
        ids[i] = tokens ? tokens[i0 + i] : i0 + i;
        tok[i] = {reinterpret_cast<const block_q8_0*>(xq + ids[i] * static_cast<int64_t>(xq_stride)),
                  prep.start + (i0 + i) * nb * kLanes, prep.d + (i0 + i) * nb};
      }
      switch (cnt) {
        case 1: pass<1>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
        case 2: pass<2>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
        default: pass<3>(packed, nb, tok, ids, p0, p1, y, y_stride, row_begin, row_end); break;
      }
    }
  }
}

}  // namespace

PackedKernel avx512_packed_q8_0_kernel() {
  PackedKernel k;
  k.group_rows = kRows;
  k.group_bytes = kGroupBytes;
  k.pack = pack;
  k.run = run;
  k.panels_inside = true;
  return k;
}

}  // namespace mm
}  // namespace tessera
