#include "model/rank_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/embedding.h"

namespace tessera {

RankRuntime::RankRuntime(LlamaWeights w, const LlamaHParams& hp, const RuntimeOptions& options, int threads,
                         int rank, CpuRankExchange* exchange)
    : hp_(hp),
      w_(std::move(w)),
      opt_(options),
      cache_(hp.n_layer, hp.n_head_kv, hp.head_dim, options.kv_blocks, options.block_size),
      pool_(threads),
      linear_(pool_),
      rank_(rank),
      exchange_(exchange) {
  rope_.n_rot = hp.n_rot;
  rope_.freq_base = hp.rope_freq_base;
  rope_.freq_scale = hp.rope_freq_scale;
  rope_.freq_factors = w_.rope_freqs;
  if (options.pack_weights) packed_ = pack_llama_weights(w_, pool_);
}

size_t RankRuntime::scratch_bytes() const {
  size_t n = linear_.scratch_bytes();
  for (const AlignedBuffer* b : {&x_, &xn_, &q_, &k_, &v_, &attn_, &tmp_, &gate_, &up_, &rope_cs_, &logits_, &attn_scratch_}) {
    n += b->capacity();
  }
  return n;
}

void RankRuntime::reserve(int64_t T, int64_t R, int64_t max_ctx) {
  const int64_t E = hp_.n_embd, F = hp_.n_ff;
  const int64_t QD = static_cast<int64_t>(hp_.n_head) * hp_.head_dim;
  const int64_t KVD = static_cast<int64_t>(hp_.n_head_kv) * hp_.head_dim;
  // Rows that reach the FFN: the tokens, or in the last layer the logit rows
  // (which may repeat a token).
  const int64_t M = std::max(T, R);
  auto floats = [](int64_t n) { return static_cast<size_t>(n) * sizeof(float); };
  x_.reserve(floats(M * E));
  xn_.reserve(floats(M * std::max(E, F)));
  q_.reserve(floats(T * QD));
  k_.reserve(floats(T * KVD));
  v_.reserve(floats(T * KVD));
  attn_.reserve(floats(M * QD));
  tmp_.reserve(floats(M * E));
  gate_.reserve(floats(M * F));
  up_.reserve(floats(M * F));
  rope_cs_.reserve(floats(T * hp_.n_rot));
  logits_.reserve(floats(std::max<int64_t>(R, 1) * w_.output.rows));
  attn_scratch_stride_ = (attention_scratch_floats(hp_.head_dim, max_ctx) + 15) / 16 * 16;
  attn_scratch_.reserve(floats(attn_scratch_stride_ * pool_.size()));
}

const float* RankRuntime::forward(const ForwardBatch& b) {
  const int64_t T = b.n_tokens();
  const int64_t R = static_cast<int64_t>(b.logit_rows.size());
  reserve(T, R, static_cast<int64_t>(b.max_blocks_per_seq) * cache_.block_size());
  token_seq_.resize(T);
  for (int64_t s = 0; s < b.n_seqs(); ++s) {
    for (int32_t t = b.seq_starts[s]; t < b.seq_starts[s + 1]; ++t) token_seq_[t] = static_cast<int32_t>(s);
  }
  rounding_by_runs(b.seq_starts.data(), b.n_seqs(), &token_rounding_);
  logit_seq_.resize(R);
  gathered_rounding_.resize(R);
  for (int64_t r = 0; r < R; ++r) {
    logit_seq_[r] = token_seq_[b.logit_rows[r]];
    gathered_rounding_[r] = token_rounding_[b.logit_rows[r]];
  }
  rounding_by_sequence(logit_seq_.data(), R, &logit_rounding_);
  linear_.set_rounding(token_rounding_.data());
  embed(b);
  for (int l = 0; l < hp_.n_layer; ++l) {
    const int64_t rows = attention_block(b, l);
    if (rows > 0) ffn_block(l, rows);
  }
  output_logits(R);
  pool_.rest();
  return logits_.as<float>();
}

void RankRuntime::embed(const ForwardBatch& b) {
  const int64_t E = hp_.n_embd;
  float* x = x_.as<float>();
  float* cs = rope_cs_.as<float>();
  const WeightView& emb = w_.token_embd;
  const EmbeddingKernel emb_kernel = embedding_kernel(emb.type);
  pool_.run(b.n_tokens(), [&](int64_t t, int) {
    const uint8_t* row = static_cast<const uint8_t*>(emb.data) + static_cast<size_t>(b.tokens[t]) * emb.row_bytes;
    embed_row(emb_kernel, row, x + t * E, E);
    rope_cos_sin(rope_, b.positions[t], cs + t * hp_.n_rot);
  });
}

int64_t RankRuntime::attention_block(const ForwardBatch& b, int l) {
  const LlamaLayerWeights& L = w_.layers[l];
  const int64_t T = b.n_tokens(), E = hp_.n_embd, D = hp_.head_dim;
  const int64_t QD = hp_.n_head * D, KVD = hp_.n_head_kv * D;
  float *x = x_.as<float>(), *xn = xn_.as<float>(), *q = q_.as<float>(), *k = k_.as<float>();
  float *v = v_.as<float>(), *attn = attn_.as<float>(), *tmp = tmp_.as<float>();
  const float* cs = rope_cs_.as<float>();

  linear_.prepare(xn, T, E, {&L.wq, &L.wk, &L.wv},
                  [&](int64_t t, int) { rms_norm_row(x + t * E, L.attn_norm, xn + t * E, E, hp_.rms_eps); });
  float* const qkv_out[3] = {q, k, v};
  const WeightView* const qkv_w[3] = {&L.wq, &L.wk, &L.wv};
  for_chunks({&L.wq, &L.wk, &L.wv},
             [&](const RowChunk& c) { linear_.rows(*qkv_w[c.weight], qkv_out[c.weight], c.begin, c.end); });
  pool_.run(T, [&](int64_t t, int) {
    rope_apply(cs + t * hp_.n_rot, hp_.n_rot, q + t * QD, hp_.n_head, hp_.head_dim);
    rope_apply(cs + t * hp_.n_rot, hp_.n_rot, k + t * KVD, hp_.n_head_kv, hp_.head_dim);
    cache_.store(l, b.slot_mapping[t], k + t * KVD, v + t * KVD);
  });

  // Every token's K/V is stored; past the last layer only the logit rows
  // matter, and rows never mix, so the rest is computed for those alone.
  const bool last = l == hp_.n_layer - 1;
  const int32_t* rows = last ? b.logit_rows.data() : nullptr;
  const int64_t n = last ? static_cast<int64_t>(b.logit_rows.size()) : T;
  if (n == 0) return 0;

  const int group = hp_.n_head / hp_.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  float* scratch = attn_scratch_.as<float>();
  const int64_t stride = attn_scratch_stride_;
  pool_.run(n * hp_.n_head, [&](int64_t item, int thread) {
    const int64_t r = item / hp_.n_head;
    const int64_t t = rows ? rows[r] : r;
    const int h = static_cast<int>(item % hp_.n_head);
    const int32_t s = token_seq_[t];
    AttentionHead head{&cache_, l, h / group, hp_.head_dim, scale,
                       b.block_tables.data() + static_cast<int64_t>(s) * b.max_blocks_per_seq};
    const bool float_variant = b.seq_starts[s + 1] - b.seq_starts[s] >= kFloatAttentionMinRows;
    attend(head, opt_.attention, float_variant, q + t * QD + h * D, b.positions[t], attn + r * QD + h * D,
           scratch + thread * stride);
  });
  if (rows) {  // gather the residual rows of the logit rows to the front
    for (int64_t r = 0; r < n; ++r) std::memcpy(tmp + r * E, x + static_cast<int64_t>(rows[r]) * E, E * sizeof(float));
    std::memcpy(x, tmp, static_cast<size_t>(n * E) * sizeof(float));
  }

  if (rows) linear_.set_rounding(gathered_rounding_.data());
  project_into_residual(L.wo, attn, n, QD);
  if (rows) linear_.set_rounding(logit_rounding_.data());
  return n;
}

void RankRuntime::ffn_block(int l, int64_t n) {
  const LlamaLayerWeights& L = w_.layers[l];
  const int64_t E = hp_.n_embd, F = hp_.n_ff;
  float *x = x_.as<float>(), *xn = xn_.as<float>(), *gate = gate_.as<float>(), *up = up_.as<float>();
  linear_.prepare(xn, n, E, {&L.w_gate, &L.w_up},
                  [&](int64_t t, int) { rms_norm_row(x + t * E, L.ffn_norm, xn + t * E, E, hp_.rms_eps); });
  // gate and up of a chunk of rows, then SwiGLU of those columns: the
  // matmuls read the quantized input, so xn is free to take the result.
  for_chunks({&L.w_gate}, [&](const RowChunk& c) {
    linear_.rows(L.w_gate, gate, c.begin, c.end);
    linear_.rows(L.w_up, up, c.begin, c.end);
    for (int64_t t = 0; t < n; ++t) swiglu(gate + t * F + c.begin, up + t * F + c.begin, xn + t * F + c.begin, c.end - c.begin);
  });
  project_into_residual(L.w_down, xn, n, F);
}

void RankRuntime::project_into_residual(const WeightView& w, const float* in, int64_t n, int64_t cols) {
  const int64_t E = hp_.n_embd;
  float* x = x_.as<float>();
  float* tmp = tmp_.as<float>();
  if (!exchange_) {
    linear_.prepare(in, n, cols, {&w});
    for_chunks({&w}, [&](const RowChunk& c) {
      linear_.rows(w, tmp, c.begin, c.end);
      for (int64_t t = 0; t < n; ++t) add_in_place(x + t * E + c.begin, tmp + t * E + c.begin, c.end - c.begin);
    });
    return;
  }
  // Whole input rows in, this rank's output rows out, whole output rows back.
  const float* all_in = exchange_->all_gather(CpuRankExchange::kInput, rank_, in, n, cols);
  linear_.prepare(all_in, n, cols * exchange_->ranks(), {&w});
  for_chunks({&w}, [&](const RowChunk& c) { linear_.rows(w, tmp, c.begin, c.end); });
  const float* all_out = exchange_->all_gather(CpuRankExchange::kOutput, rank_, tmp, n, w.rows);
  pool_.run(n, [&](int64_t t, int) { add_in_place(x + t * E, all_out + t * E, E); });
}

void RankRuntime::output_logits(int64_t R) {
  if (R == 0) return;
  const int64_t E = hp_.n_embd;
  const float* x = x_.as<float>();
  float* xn = xn_.as<float>();
  float* logits = logits_.as<float>();
  // x holds the logit rows in order (gathered in the last layer).
  linear_.prepare(xn, R, E, {&w_.output},
                  [&](int64_t r, int) { rms_norm_row(x + r * E, w_.output_norm, xn + r * E, E, hp_.rms_eps); });
  for_chunks({&w_.output}, [&](const RowChunk& c) { linear_.rows(w_.output, logits, c.begin, c.end); });
}

}  // namespace tessera
