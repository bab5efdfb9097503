// A loaded llama model ready to run: mapped (and, where the CPU has packed
// kernels, packed) weights, the paged KV cache, threads and scratch buffers,
// held by one rank or split over `tensor_parallel` CPU ranks (rank_runtime.h,
// tp_shard.h). forward() runs one batched step; it is not re-entrant (the
// binding enforces one call at a time).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/aligned_buffer.h"
#include "model/batch.h"
#include "model/llama_weights.h"
#include "model/rank_runtime.h"
#include "model/tp_exchange.h"
#include "model/tp_rank_threads.h"

namespace tessera {

class LlamaRuntime {
 public:
  // Throws ModelError; ETENSORPARALLEL when the model cannot be split over
  // options.tensor_parallel ranks. Each rank gets threads / tensor_parallel
  // threads (at least one).
  LlamaRuntime(const std::string& path, const LlamaHParams& hp, const std::vector<TensorLocation>& tensors,
               const RuntimeOptions& options);
  ~LlamaRuntime();

  const LlamaHParams& hparams() const { return hp_; }
  int tensor_parallel() const { return static_cast<int>(ranks_.size()); }
  int threads() const;
  int kv_blocks() const { return ranks_[0]->cache().n_blocks(); }
  int block_size() const { return ranks_[0]->cache().block_size(); }
  size_t kv_cache_bytes() const;
  size_t mapped_bytes() const { return file_->size(); }
  size_t packed_bytes() const;
  size_t scratch_bytes() const;

  // Runs the batch and returns logit_rows.size() * n_vocab floats (row-major),
  // valid until the next call. Throws ModelError on an invalid batch.
  const float* forward(const ForwardBatch& batch);

  // pairs = src0, dst0, src1, dst1, ...: copies every layer's K and V of each
  // src block to its dst block, in order, on every rank. Throws
  // ModelError("EBADBLOCK") before copying anything if an id is outside the pool.
  void copy_blocks(const std::vector<int32_t>& pairs);

  // Runs task(i, thread) for i in [0, n) on the forward pass's threads
  // (thread in [0, threads())), from the thread that calls forward, between
  // forward calls. With tensor parallelism, on rank 0's threads. The
  // threads sleep right after, as after a forward.
  void parallel_for(int64_t n, TaskRef task) {
    ranks_[0]->pool().run(n, task);
    ranks_[0]->pool().rest();
  }
  int pool_threads() const { return ranks_[0]->threads(); }
  // Gets every rank's threads spinning for a forward about to start.
  void prewake() {
    for (auto& r : ranks_) r->pool().prewake();
  }

 private:
  const float* forward_ranks(const ForwardBatch& b);

  LlamaHParams hp_;
  std::shared_ptr<MappedFile> file_;
  std::unique_ptr<CpuRankExchange> exchange_;  // null with one rank
  std::vector<std::unique_ptr<RankRuntime>> ranks_;
  std::unique_ptr<RankThreads> rank_threads_;  // null with one rank
  AlignedBuffer logits_;                       // gathered vocabulary slices (several ranks)
};

}  // namespace tessera
