#include "model/llama_runtime.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "model/model_error.h"
#include "model/tp_shard.h"

namespace tessera {

LlamaRuntime::LlamaRuntime(const std::string& path, const LlamaHParams& hp, const std::vector<TensorLocation>& tensors,
                           const RuntimeOptions& options)
    : hp_(hp) {
  LlamaWeights w = bind_llama_weights(path, hp, tensors);
  file_ = w.file;
  const int n = options.tensor_parallel;
  check_tensor_parallel(hp, w, n);
  if (n == 1) {
    ranks_.push_back(std::make_unique<RankRuntime>(std::move(w), hp, options, options.threads, 0, nullptr));
    return;
  }
  exchange_ = std::make_unique<CpuRankExchange>(n);
  const LlamaHParams rank_hp = rank_hparams(hp, n);
  const int threads = std::max(1, options.threads / n);
  for (int r = 0; r < n; ++r) {
    ranks_.push_back(std::make_unique<RankRuntime>(slice_llama_weights(w, r, n), rank_hp, options, threads, r, exchange_.get()));
  }
  rank_threads_ = std::make_unique<RankThreads>(n);
}

LlamaRuntime::~LlamaRuntime() = default;

int LlamaRuntime::threads() const {
  int n = 0;
  for (const auto& r : ranks_) n += r->threads();
  return n;
}

size_t LlamaRuntime::kv_cache_bytes() const {
  size_t n = 0;
  for (const auto& r : ranks_) n += r->cache().bytes();
  return n;
}

size_t LlamaRuntime::packed_bytes() const {
  size_t n = 0;
  for (const auto& r : ranks_) n += r->packed_bytes();
  return n;
}

size_t LlamaRuntime::scratch_bytes() const {
  size_t n = logits_.capacity() + (exchange_ ? exchange_->bytes() : 0);
  for (const auto& r : ranks_) n += r->scratch_bytes();
  return n;
}

const float* LlamaRuntime::forward(const ForwardBatch& b) {
  validate_batch(b, hp_.n_vocab, kv_blocks(), block_size());
  if (ranks_.size() == 1) return ranks_[0]->forward(b);
  return forward_ranks(b);
}

const float* LlamaRuntime::forward_ranks(const ForwardBatch& b) {
  const int64_t R = static_cast<int64_t>(b.logit_rows.size());
  const int64_t V = hp_.n_vocab;
  // Rows that reach an exchange: the tokens, or in the last layer the logit
  // rows (which may repeat a token); widest input: the FFN's.
  const int64_t rows = std::max(b.n_tokens(), R);
  const int64_t width = std::max({hp_.n_embd, hp_.n_ff, hp_.n_head * hp_.head_dim});
  exchange_->reserve(static_cast<size_t>(rows * width));
  logits_.reserve(static_cast<size_t>(std::max<int64_t>(R, 1) * V) * sizeof(float));
  exchange_->reset();
  std::vector<std::exception_ptr> errors(ranks_.size());
  float* logits = logits_.as<float>();
  rank_threads_->run([&](int r) {
    try {
      RankRuntime& rank = *ranks_[r];
      const float* own = rank.forward(b);
      const int64_t begin = rank_vocab(V, r, tensor_parallel()).begin, width = rank.vocab_rows();
      for (int64_t i = 0; i < R; ++i) std::memcpy(logits + i * V + begin, own + i * width, width * sizeof(float));
    } catch (...) {
      errors[r] = std::current_exception();
      exchange_->abort();  // the other ranks may be waiting for this one
    }
  });
  // Report the failure itself, not the ranks it released.
  for (const std::exception_ptr& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const RankAborted&) {
    }
  }
  return logits;
}

void LlamaRuntime::copy_blocks(const std::vector<int32_t>& pairs) {
  if (pairs.size() % 2 != 0) throw ModelError("EBADBLOCK", "block copies come in (src, dst) pairs");
  for (int32_t id : pairs) {
    if (id < 0 || id >= kv_blocks()) {
      throw ModelError("EBADBLOCK", "block id " + std::to_string(id) + " is outside the KV pool of " +
                                        std::to_string(kv_blocks()) + " blocks");
    }
  }
  for (auto& rank : ranks_) {
    for (size_t i = 0; i < pairs.size(); i += 2) rank->copy_block(pairs[i], pairs[i + 1]);
  }
}

}  // namespace tessera
