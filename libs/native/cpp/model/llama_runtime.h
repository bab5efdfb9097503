// A loaded llama model ready to run: mapped (and, where the CPU has packed
// kernels, packed) weights, the paged KV cache, a thread pool and scratch
// buffers. forward() runs one batched step; it is not re-entrant (the
// binding enforces one call at a time).
#pragma once
#include <initializer_list>
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
#include "model/weight_packing.h"

namespace tessera {

struct RuntimeOptions {
  int threads = 1;
  int kv_blocks = 256;
  int block_size = 16;
  AttentionMode attention = AttentionMode::Flash;
  // Repack matmul weights for the AVX-512 kernels at load (see weight_packing.h).
  bool pack_weights = true;
};

class LlamaRuntime {
 public:
  LlamaRuntime(const std::string& path, const LlamaHParams& hp, const std::vector<TensorLocation>& tensors,
               const RuntimeOptions& options);

  const LlamaHParams& hparams() const { return hp_; }
  const KvCache& cache() const { return cache_; }
  int threads() const { return pool_.size(); }
  size_t mapped_bytes() const { return w_.file->size(); }
  size_t packed_bytes() const { return packed_.bytes; }
  size_t scratch_bytes() const;

  // Runs the batch and returns logit_rows.size() * n_vocab floats (row-major),
  // valid until the next call. Throws ModelError on an invalid batch.
  const float* forward(const ForwardBatch& batch);

  // pairs = src0, dst0, src1, dst1, ...: copies every layer's K and V of each
  // src block to its dst block, in order. Throws ModelError("EBADBLOCK")
  // before copying anything if an id is outside the pool.
  void copy_blocks(const std::vector<int32_t>& pairs);

 private:
  void reserve(int64_t n_tokens, int64_t n_logits, int64_t max_ctx);
  void embed(const ForwardBatch& b);
  // Returns how many rows continue into the FFN: every token, except in the
  // last layer, where only the logit rows (gathered to the front) do.
  int64_t attention_block(const ForwardBatch& b, int layer);
  void ffn_block(int layer, int64_t n_rows);
  void output_logits(int64_t n_rows);

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

  // Per-step buffers (floats unless noted), grown on demand.
  AlignedBuffer x_, xn_, q_, k_, v_, attn_, tmp_, gate_, up_, rope_cs_, logits_, attn_scratch_;
  std::vector<int32_t> token_seq_;
  std::vector<RowChunk> chunks_;
  int64_t attn_scratch_stride_ = 0;
};

}  // namespace tessera
