// One rank of a llama model: its weights (the whole model, or one
// tensor-parallel slice of it, see tp_shard.h), its paged KV cache, its thread
// pool and its scratch buffers. forward() runs one batched step of the layers
// this rank holds and returns the logits of its vocabulary slice.
//
// With one rank (the default) nothing is shared and each projection adds its
// output straight into the residual stream. With N ranks the residual stream
// is replicated on every rank, each rank computes a slice of the heads, of
// the FFN and of the vocabulary, and the projections that read a split input
// (attention output, FFN down) go through the exchange (tp_exchange.h).
#pragma once
#include <initializer_list>
#include <vector>

#include "model/aligned_buffer.h"
#include "model/attention.h"
#include "model/batch.h"
#include "model/kv_cache.h"
#include "model/linear.h"
#include "model/llama_weights.h"
#include "model/ops.h"
#include "model/thread_pool.h"
#include "model/tp_exchange.h"
#include "model/weight_packing.h"

namespace tessera {

struct RuntimeOptions {
  int threads = 1;
  int kv_blocks = 256;
  int block_size = 16;
  AttentionMode attention = AttentionMode::Flash;
  // Repack matmul weights for the AVX-512 kernels at load (see weight_packing.h).
  bool pack_weights = true;
  // Ranks the heads and the FFN are split over (see tp_shard.h).
  int tensor_parallel = 1;
};

class RankRuntime {
 public:
  // `hp` gives this rank's head and FFN counts (the model's divided by the
  // rank count) and the model's vocabulary; w.output holds this rank's
  // vocabulary rows. `exchange` is null for a single rank.
  RankRuntime(LlamaWeights w, const LlamaHParams& hp, const RuntimeOptions& options, int threads, int rank,
              CpuRankExchange* exchange);

  const KvCache& cache() const { return cache_; }
  int threads() const { return pool_.size(); }
  // The rank's threads, for other work between forward calls (e.g. sampling
  // the logits): run() from the thread that calls forward, never during it.
  ThreadPool& pool() { return pool_; }
  int64_t vocab_rows() const { return w_.output.rows; }
  size_t packed_bytes() const { return packed_.bytes; }
  size_t scratch_bytes() const;

  // Runs a validated batch; returns logit_rows.size() * vocab_rows() floats
  // (row-major), valid until the next call.
  const float* forward(const ForwardBatch& batch);

  void copy_block(int src, int dst) { cache_.copy_block(src, dst); }

 private:
  void reserve(int64_t n_tokens, int64_t n_logits, int64_t max_ctx);
  void embed(const ForwardBatch& b);
  // Returns how many rows continue into the FFN: every token, except in the
  // last layer, where only the logit rows (gathered to the front) do.
  int64_t attention_block(const ForwardBatch& b, int layer);
  void ffn_block(int layer, int64_t n_rows);
  void output_logits(int64_t n_rows);
  // x[t] += W . in[t] for n rows of `cols` inputs (this rank's columns):
  // fused per chunk on one rank, through the exchange on several, where
  // w holds this rank's output rows and reads the whole gathered input.
  void project_into_residual(const WeightView& w, const float* in, int64_t n_rows, int64_t cols);

  // Runs fn(chunk) for the output-row chunks of `weights` in one region.
  template <typename Fn>
  void for_chunks(std::initializer_list<const WeightView*> weights, const Fn& fn) {
    linear_.chunks(weights, &chunks_);
    pool_.run(static_cast<int64_t>(chunks_.size()), [&](int64_t i, int) { fn(chunks_[i]); });
  }

  LlamaHParams hp_;
  LlamaWeights w_;
  RuntimeOptions opt_;
  RopeParams rope_;
  KvCache cache_;
  ThreadPool pool_;
  Linear linear_;
  PackedModel packed_;
  int rank_;
  CpuRankExchange* exchange_;

  // Per-step buffers (floats unless noted), grown on demand.
  AlignedBuffer x_, xn_, q_, k_, v_, attn_, tmp_, gate_, up_, rope_cs_, logits_, attn_scratch_;
  std::vector<int32_t> token_seq_;
  // How each row's matmuls round (see Linear::set_rounding): the tokens, the
  // last layer's gathered rows (whose attention output projection rounds as
  // in the whole batch, like the reference's), and the logit rows (the last
  // layer's FFN and the output, which the reference runs on those alone).
  std::vector<TokenRounding> token_rounding_, gathered_rounding_, logit_rounding_;
  std::vector<int32_t> logit_seq_;
  std::vector<RowChunk> chunks_;
  int64_t attn_scratch_stride_ = 0;
};

}  // namespace tessera
