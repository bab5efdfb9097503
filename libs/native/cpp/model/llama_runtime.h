// A loaded llama model ready to run: mapped weights, the paged KV cache, a
// thread pool and scratch buffers. forward() runs one batched step; it is
// not re-entrant (the binding enforces one call at a time).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "model/aligned_buffer.h"
#include "model/attention.h"
#include "model/batch.h"
#include "model/kv_cache.h"
#include "model/linear.h"
#include "model/llama_weights.h"
#include "model/ops.h"
#include "model/thread_pool.h"

namespace tessera {

struct RuntimeOptions {
  int threads = 1;
  int kv_blocks = 256;
  int block_size = 16;
  AttentionMode attention = AttentionMode::Flash;
};

class LlamaRuntime {
 public:
  LlamaRuntime(const std::string& path, const LlamaHParams& hp, const std::vector<TensorLocation>& tensors,
               const RuntimeOptions& options);

  const LlamaHParams& hparams() const { return hp_; }
  const KvCache& cache() const { return cache_; }
  int threads() const { return pool_.size(); }

  // Runs the batch and returns logit_rows.size() * n_vocab floats (row-major),
  // valid until the next call. Throws ModelError on an invalid batch.
  const float* forward(const ForwardBatch& batch);

 private:
  struct Scratch;
  void reserve(int64_t n_tokens, int64_t n_logits, int64_t max_ctx);
  void embed(const ForwardBatch& b);
  void attention_block(const ForwardBatch& b, int layer);
  void ffn_block(int layer, int64_t n_tokens);
  void output_logits(const ForwardBatch& b);
  void parallel_rows(int64_t n, const std::function<void(int64_t)>& fn);

  LlamaHParams hp_;
  LlamaWeights w_;
  RuntimeOptions opt_;
  RopeParams rope_;
  KvCache cache_;
  ThreadPool pool_;
  Linear linear_;

  // Per-step buffers (floats unless noted), grown on demand.
  AlignedBuffer x_, xn_, q_, k_, v_, attn_, tmp_, gate_, up_, rope_cs_, logits_, attn_scratch_;
  std::vector<int32_t> token_seq_;
  int64_t attn_scratch_stride_ = 0;
};

}  // namespace tessera
