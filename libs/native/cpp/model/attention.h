// Causal attention of one query head over one sequence's paged K/V cache.
//
// The reference's CPU attention (flash-attention path, the default) rounds in
// specific places, and those roundings are most of the numerical difference
// between engines, so we reproduce them:
//   * Decode and short prefill ("half" variant): the query is rounded to fp16
//     before the q.k dot; the softmax is computed online in float, and the
//     weighted sum of V is accumulated in an fp16 buffer (rounded after every
//     update).
//   * Long prefill, 64+ query rows of a sequence ("float" variant): q stays
//     float, scores are handled in tiles of 64 keys and V is accumulated in
//     float.
//   * Standard (non-flash) attention, selectable for comparison: q rounded to
//     fp16, full softmax in float, then the probabilities rounded to fp16
//     before the weighted sum of V.
#pragma once
#include <cstdint>

#include "model/kv_cache.h"

namespace tessera {

enum class AttentionMode : int { Flash = 0, Standard = 1 };

// Query rows of one sequence at or above which Flash uses the float variant.
constexpr int kFloatAttentionMinRows = 64;

struct AttentionHead {
  const KvCache* cache;
  int layer;
  int kv_head;
  int head_dim;
  float scale;                 // 1/sqrt(head_dim)
  const int32_t* block_table;  // this sequence's blocks
};

// Floats of per-thread scratch attend() needs for contexts up to n_ctx.
int64_t attention_scratch_floats(int head_dim, int64_t n_ctx);

// out = softmax(q.K[0..pos] * scale) . V[0..pos] for one head.
// `float_variant` selects the long-prefill rounding (Flash mode only).
void attend(const AttentionHead& a, AttentionMode mode, bool float_variant, const float* q,
            int32_t pos, float* out, float* scratch);

}  // namespace tessera
