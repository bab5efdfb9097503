#include "model/tp_shard.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "model/model_error.h"

namespace tessera {

namespace {

// Rank counts up to 64 that divide every split dimension.
std::string dividing_counts(const LlamaHParams& hp) {
  const int g = std::gcd(std::gcd(std::gcd(hp.n_head, hp.n_head_kv), hp.n_ff), hp.n_embd);
  std::string s;
  for (int n = 1; n <= std::min(g, 64); ++n) {
    if (g % n == 0) s += (s.empty() ? "" : ", ") + std::to_string(n);
  }
  return s;
}

WeightView row_slice(const WeightView& w, int64_t begin, int64_t end) {
  WeightView v = w;
  v.data = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(begin) * w.row_bytes;
  v.rows = end - begin;
  v.packed = nullptr;
  return v;
}

WeightView rank_rows(const WeightView& w, int rank, int n_ranks) {
  const int64_t n = w.rows / n_ranks;
  return row_slice(w, rank * n, (rank + 1) * n);
}

}  // namespace

void check_tensor_parallel(const LlamaHParams& hp, const LlamaWeights& w, int n_ranks) {
  if (n_ranks < 1) throw ModelError("ETENSORPARALLEL", "tensorParallel must be at least 1");
  if (n_ranks == 1) return;
  if (hp.n_head % n_ranks != 0 || hp.n_head_kv % n_ranks != 0 || hp.n_ff % n_ranks != 0 || hp.n_embd % n_ranks != 0) {
    throw ModelError("ETENSORPARALLEL", "tensorParallel " + std::to_string(n_ranks) + " must divide the attention heads (" +
                                            std::to_string(hp.n_head) + "), the KV heads (" +
                                            std::to_string(hp.n_head_kv) + "), the FFN width (" +
                                            std::to_string(hp.n_ff) + ") and the embedding width (" +
                                            std::to_string(hp.n_embd) + "); this model can use " + dividing_counts(hp));
  }
  if (w.output.rows < n_ranks) throw ModelError("ETENSORPARALLEL", "the vocabulary is smaller than tensorParallel");
}

LlamaHParams rank_hparams(const LlamaHParams& hp, int n_ranks) {
  LlamaHParams r = hp;
  r.n_head = hp.n_head / n_ranks;
  r.n_head_kv = hp.n_head_kv / n_ranks;
  r.n_ff = hp.n_ff / n_ranks;
  return r;
}

VocabRange rank_vocab(int64_t n_vocab, int rank, int n_ranks) {
  return {n_vocab * rank / n_ranks, n_vocab * (rank + 1) / n_ranks};
}

LlamaWeights slice_llama_weights(const LlamaWeights& full, int rank, int n_ranks) {
  LlamaWeights w = full;
  for (LlamaLayerWeights& L : w.layers) {
    // Heads are contiguous runs of head_dim rows, so an even split of the
    // rows is an even split of the heads.
    L.wq = rank_rows(L.wq, rank, n_ranks);
    L.wk = rank_rows(L.wk, rank, n_ranks);
    L.wv = rank_rows(L.wv, rank, n_ranks);
    L.wo = rank_rows(L.wo, rank, n_ranks);
    L.w_gate = rank_rows(L.w_gate, rank, n_ranks);
    L.w_up = rank_rows(L.w_up, rank, n_ranks);
    L.w_down = rank_rows(L.w_down, rank, n_ranks);
  }
  const VocabRange v = rank_vocab(full.output.rows, rank, n_ranks);
  w.output = row_slice(full.output, v.begin, v.end);
  return w;
}

}  // namespace tessera
