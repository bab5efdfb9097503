#include "model/llama_runtime.h"

#include <algorithm>
#include <cmath>

#include "model/embedding.h"
#include "model/model_error.h"

namespace tessera {

LlamaRuntime::LlamaRuntime(const std::string& path, const LlamaHParams& hp,
                           const std::vector<TensorLocation>& tensors, const RuntimeOptions& options)
    : hp_(hp),
      w_(bind_llama_weights(path, hp, tensors)),
      opt_(options),
      cache_(hp.n_layer, hp.n_head_kv, hp.head_dim, options.kv_blocks, options.block_size),
      pool_(options.threads),
      linear_(pool_) {
  rope_.n_rot = hp.n_rot;
  rope_.freq_base = hp.rope_freq_base;
  rope_.freq_scale = hp.rope_freq_scale;
  rope_.freq_factors = w_.rope_freqs;
}

void LlamaRuntime::parallel_rows(int64_t n, const std::function<void(int64_t)>& fn) {
  pool_.run(n, [&](int64_t i, int) { fn(i); });
}

void LlamaRuntime::reserve(int64_t T, int64_t R, int64_t max_ctx) {
  const int64_t E = hp_.n_embd, F = hp_.n_ff;
  const int64_t QD = static_cast<int64_t>(hp_.n_head) * hp_.head_dim;
  const int64_t KVD = static_cast<int64_t>(hp_.n_head_kv) * hp_.head_dim;
  auto floats = [](int64_t n) { return static_cast<size_t>(n) * sizeof(float); };
  x_.reserve(floats(T * E));
  xn_.reserve(floats(std::max(T, R) * std::max(E, F)));
  q_.reserve(floats(T * QD));
  k_.reserve(floats(T * KVD));
  v_.reserve(floats(T * KVD));
  attn_.reserve(floats(T * QD));
  tmp_.reserve(floats(T * E));
  gate_.reserve(floats(T * F));
  up_.reserve(floats(T * F));
  rope_cs_.reserve(floats(T * hp_.n_rot));
  logits_.reserve(floats(std::max<int64_t>(R, 1) * hp_.n_vocab));
  attn_scratch_stride_ = (attention_scratch_floats(hp_.head_dim, max_ctx) + 15) / 16 * 16;
  attn_scratch_.reserve(floats(attn_scratch_stride_ * pool_.size()));
}

const float* LlamaRuntime::forward(const ForwardBatch& b) {
  validate_batch(b, hp_.n_vocab, cache_.n_blocks(), cache_.block_size());
  const int64_t T = b.n_tokens();
  const int64_t R = static_cast<int64_t>(b.logit_rows.size());
  reserve(T, R, static_cast<int64_t>(b.max_blocks_per_seq) * cache_.block_size());
  token_seq_.resize(T);
  for (int64_t s = 0; s < b.n_seqs(); ++s) {
    for (int32_t t = b.seq_starts[s]; t < b.seq_starts[s + 1]; ++t) token_seq_[t] = static_cast<int32_t>(s);
  }
  embed(b);
  for (int l = 0; l < hp_.n_layer; ++l) {
    attention_block(b, l);
    ffn_block(l, T);
  }
  output_logits(b);
  return logits_.as<float>();
}

void LlamaRuntime::embed(const ForwardBatch& b) {
  const int64_t E = hp_.n_embd;
  float* x = x_.as<float>();
  float* cs = rope_cs_.as<float>();
  const WeightView& emb = w_.token_embd;
  const EmbeddingKernel emb_kernel = embedding_kernel(emb.type);
  parallel_rows(b.n_tokens(), [&](int64_t t) {
    const uint8_t* row = static_cast<const uint8_t*>(emb.data) + static_cast<size_t>(b.tokens[t]) * emb.row_bytes;
    embed_row(emb_kernel, row, x + t * E, E);
    rope_cos_sin(rope_, b.positions[t], cs + t * hp_.n_rot);
  });
}

void LlamaRuntime::attention_block(const ForwardBatch& b, int l) {
  const LlamaLayerWeights& L = w_.layers[l];
  const int64_t T = b.n_tokens(), E = hp_.n_embd, D = hp_.head_dim;
  const int64_t QD = hp_.n_head * D, KVD = hp_.n_head_kv * D;
  float *x = x_.as<float>(), *xn = xn_.as<float>(), *q = q_.as<float>(), *k = k_.as<float>();
  float *v = v_.as<float>(), *attn = attn_.as<float>(), *tmp = tmp_.as<float>();
  const float* cs = rope_cs_.as<float>();

  parallel_rows(T, [&](int64_t t) { rms_norm_row(x + t * E, L.attn_norm, xn + t * E, E, hp_.rms_eps); });
  linear_.set_input(xn, T, E);
  linear_.apply(L.wq, q);
  linear_.apply(L.wk, k);
  linear_.apply(L.wv, v);
  parallel_rows(T, [&](int64_t t) {
    rope_apply(cs + t * hp_.n_rot, hp_.n_rot, q + t * QD, hp_.n_head, hp_.head_dim);
    rope_apply(cs + t * hp_.n_rot, hp_.n_rot, k + t * KVD, hp_.n_head_kv, hp_.head_dim);
    cache_.store(l, b.slot_mapping[t], k + t * KVD, v + t * KVD);
  });

  const int group = hp_.n_head / hp_.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  float* scratch = attn_scratch_.as<float>();
  const int64_t stride = attn_scratch_stride_;
  pool_.run(T * hp_.n_head, [&](int64_t item, int thread) {
    const int64_t t = item / hp_.n_head;
    const int h = static_cast<int>(item % hp_.n_head);
    const int32_t s = token_seq_[t];
    AttentionHead head{&cache_, l, h / group, hp_.head_dim, scale,
                       b.block_tables.data() + static_cast<int64_t>(s) * b.max_blocks_per_seq};
    const bool float_variant = b.seq_starts[s + 1] - b.seq_starts[s] >= kFloatAttentionMinRows;
    attend(head, opt_.attention, float_variant, q + t * QD + h * D, b.positions[t], attn + t * QD + h * D,
           scratch + thread * stride);
  });

  linear_.set_input(attn, T, QD);
  linear_.apply(L.wo, tmp);
  parallel_rows(T, [&](int64_t t) { add_in_place(x + t * E, tmp + t * E, E); });
}

void LlamaRuntime::ffn_block(int l, int64_t T) {
  const LlamaLayerWeights& L = w_.layers[l];
  const int64_t E = hp_.n_embd, F = hp_.n_ff;
  float *x = x_.as<float>(), *xn = xn_.as<float>(), *gate = gate_.as<float>(), *up = up_.as<float>();
  float* tmp = tmp_.as<float>();
  parallel_rows(T, [&](int64_t t) { rms_norm_row(x + t * E, L.ffn_norm, xn + t * E, E, hp_.rms_eps); });
  linear_.set_input(xn, T, E);
  linear_.apply(L.w_gate, gate);
  linear_.apply(L.w_up, up);
  parallel_rows(T, [&](int64_t t) { swiglu(gate + t * F, up + t * F, xn + t * F, F); });
  linear_.set_input(xn, T, F);
  linear_.apply(L.w_down, tmp);
  parallel_rows(T, [&](int64_t t) { add_in_place(x + t * E, tmp + t * E, E); });
}

void LlamaRuntime::output_logits(const ForwardBatch& b) {
  const int64_t R = static_cast<int64_t>(b.logit_rows.size());
  if (R == 0) return;
  const int64_t E = hp_.n_embd;
  const float* x = x_.as<float>();
  float* xn = xn_.as<float>();
  parallel_rows(R, [&](int64_t r) {
    rms_norm_row(x + static_cast<int64_t>(b.logit_rows[r]) * E, w_.output_norm, xn + r * E, E, hp_.rms_eps);
  });
  linear_.set_input(xn, R, E);
  linear_.apply(w_.output, logits_.as<float>());
}

}  // namespace tessera
