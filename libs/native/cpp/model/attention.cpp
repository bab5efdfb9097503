#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/half_math.h"
#include "model/ref_kernels.h"

namespace tessera {

int64_t attention_scratch_floats(int head_dim, int64_t n_ctx) {
  return 2 * static_cast<int64_t>(head_dim) + std::max<int64_t>(n_ctx, 64) + 64;
}

namespace {

// Calls fn(k_row, v_row, n) for each run of consecutive positions 0..pos
// that share a cache block; k_row/v_row point at the first position's
// head_dim halves.
template <typename Fn>
void for_each_block(const AttentionHead& a, int32_t pos, Fn&& fn) {
  const int bs = a.cache->block_size();
  const int32_t n_ctx = pos + 1;
  for (int32_t start = 0; start < n_ctx; start += bs) {
    const int block = a.block_table[start / bs];
    const int n = std::min(bs, n_ctx - start);
    fn(a.cache->keys(a.layer, block, a.kv_head), a.cache->values(a.layer, block, a.kv_head), start, n);
  }
}

// Flash, short rows: online softmax with an fp16 V accumulator.
void attend_half(const AttentionHead& a, const float* q, int32_t pos, float* out, float* scratch) {
  const RefKernels& rk = ref_kernels();
  const int D = a.head_dim;
  float* q16 = scratch;
  float* acc = scratch + D;
  for (int d = 0; d < D; ++d) q16[d] = round_to_half(q[d]);
  std::fill(acc, acc + D, 0.0f);
  float M = -std::numeric_limits<float>::infinity();
  float S = 0.0f;
  for_each_block(a, pos, [&](const uint16_t* kb, const uint16_t* vb, int32_t, int n) {
    rk.flash_half(kb, vb, n, D, q16, a.scale, &M, &S, acc);
  });
  const float inv = S == 0.0f ? 0.0f : 1.0f / S;
  for (int d = 0; d < D; ++d) out[d] = acc[d] * inv;
}

// Flash, long rows: float q, tiles of 64 keys, float V accumulator.
void attend_float(const AttentionHead& a, const float* q, int32_t pos, float* out, float* scratch) {
  constexpr int kTile = 64;
  const HalfFloatKernels& hk = half_float_kernels();
  const int D = a.head_dim;
  const int bs = a.cache->block_size();
  float* acc = scratch;
  float* s = scratch + 2 * D;
  std::fill(acc, acc + D, 0.0f);
  float M = -std::numeric_limits<float>::infinity();
  float S = 0.0f;
  const int32_t n_ctx = pos + 1;
  auto k_at = [&](int32_t p) {
    return a.cache->keys(a.layer, a.block_table[p / bs], a.kv_head) + static_cast<int64_t>(p % bs) * D;
  };
  auto v_at = [&](int32_t p) {
    return a.cache->values(a.layer, a.block_table[p / bs], a.kv_head) + static_cast<int64_t>(p % bs) * D;
  };
  for (int32_t t0 = 0; t0 < n_ctx; t0 += kTile) {
    const int n = std::min<int32_t>(kTile, n_ctx - t0);
    float tile_max = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < n; ++j) {
      s[j] = hk.dot(k_at(t0 + j), q, D) * a.scale;
      tile_max = std::max(tile_max, s[j]);
    }
    const float m_new = std::max(M, tile_max);
    if (m_new > M) {
      const float ms = std::exp(M - m_new);
      for (int d = 0; d < D; ++d) acc[d] *= ms;
      S *= ms;
    }
    M = m_new;
    double tile_sum = 0.0;
    for (int j = 0; j < n; ++j) {
      s[j] = std::exp(s[j] - M);
      tile_sum += s[j];
    }
    S += static_cast<float>(tile_sum);
    for (int j = 0; j < n; ++j) hk.mad(acc, v_at(t0 + j), s[j], D);
  }
  const float inv = S == 0.0f ? 0.0f : 1.0f / S;
  for (int d = 0; d < D; ++d) out[d] = acc[d] * inv;
}

// Standard attention: full softmax, probabilities rounded to fp16.
void attend_standard(const AttentionHead& a, const float* q, int32_t pos, float* out, float* scratch) {
  const int D = a.head_dim;
  float* q16 = scratch;
  float* p = scratch + 2 * D;
  for (int d = 0; d < D; ++d) q16[d] = round_to_half(q[d]);
  float M = -std::numeric_limits<float>::infinity();
  for_each_block(a, pos, [&](const uint16_t* kb, const uint16_t*, int32_t start, int n) {
    for (int j = 0; j < n; ++j) {
      p[start + j] = ref_kernels().dot_f16_f32(kb + static_cast<int64_t>(j) * D, q16, D) * a.scale;
      M = std::max(M, p[start + j]);
    }
  });
  double sum = 0.0;
  for (int32_t i = 0; i <= pos; ++i) {
    p[i] = std::exp(p[i] - M);
    sum += p[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int32_t i = 0; i <= pos; ++i) p[i] = round_to_half(p[i] * inv);
  std::fill(out, out + D, 0.0f);
  const HalfFloatKernels& hk = half_float_kernels();
  for_each_block(a, pos, [&](const uint16_t*, const uint16_t* vb, int32_t start, int n) {
    for (int j = 0; j < n; ++j) hk.mad(out, vb + static_cast<int64_t>(j) * D, p[start + j], D);
  });
}

}  // namespace

void attend(const AttentionHead& a, AttentionMode mode, bool float_variant, const float* q, int32_t pos,
            float* out, float* scratch) {
  if (mode == AttentionMode::Standard) {
    attend_standard(a, q, pos, out, scratch);
  } else if (float_variant) {
    attend_float(a, q, pos, out, scratch);
  } else {
    attend_half(a, q, pos, out, scratch);
  }
}

}  // namespace tessera
