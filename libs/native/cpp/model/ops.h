// Element-wise and per-row operations of the llama graph, written to round
// where the reference CPU backend rounds (float32 everywhere, the RMS sum in
// double), so our activations track its activations closely.
#pragma once
#include <cstdint>

namespace tessera {

// y = x / sqrt(mean(x^2) + eps) * w, for one row of n floats. y may alias x.
void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps);

// Rotary embedding parameters shared by every head and token.
struct RopeParams {
  int n_rot = 0;                       // rotated dims per head (even)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;             // 1 / linear scaling factor
  const float* freq_factors = nullptr;  // n_rot/2 divisors (llama3 scaling), or null
};

// Fills `cs` (n_rot floats: cos, sin pairs) for one position.
void rope_cos_sin(const RopeParams& rp, int32_t pos, float* cs);

// Rotates adjacent pairs (2i, 2i+1) of the first n_rot dims of each of
// n_heads heads of head_dim floats ("normal" rope, as arch llama uses on
// GGUF-permuted q/k weights).
void rope_apply(const float* cs, int n_rot, float* x, int n_heads, int head_dim);

// out[i] = silu(gate[i]) * up[i].
void swiglu(const float* gate, const float* up, float* out, int64_t n);

// x[i] += y[i].
void add_in_place(float* x, const float* y, int64_t n);

}  // namespace tessera
