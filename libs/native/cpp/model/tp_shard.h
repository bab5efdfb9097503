// How a llama model is split over N tensor-parallel ranks, decided from its
// shapes at load:
//   * attention: each rank takes n_head/N query heads and n_head_kv/N KV heads
//     (a contiguous run, so grouped-query pairs stay on one rank): its rows of
//     Q, K and V, and its KV pool holds only those KV heads;
//   * FFN: n_ff/N rows of gate and up;
//   * attention output and FFN down: n_embd/N output rows each (their input
//     is gathered whole first, see tp_exchange.h);
//   * the output (logit) matrix: a contiguous range of vocabulary rows;
//   * norms and the embedding table are shared by every rank.
// Every slice is a run of whole rows, so it is a view into the mapped file
// (or the packed copy of it); no GGUF block is ever cut.
#pragma once
#include <cstdint>

#include "model/llama_weights.h"

namespace tessera {

// Throws ModelError("ETENSORPARALLEL") saying what does not divide and which
// rank counts would, if the model cannot be split over n_ranks.
void check_tensor_parallel(const LlamaHParams& hp, const LlamaWeights& w, int n_ranks);

// The hyper-parameters one rank sees: heads and FFN width divided by n_ranks.
LlamaHParams rank_hparams(const LlamaHParams& hp, int n_ranks);

// Vocabulary rows [begin, end) of the logits computed by `rank`.
struct VocabRange {
  int64_t begin, end;
};
VocabRange rank_vocab(int64_t n_vocab, int rank, int n_ranks);

// Rank `rank`'s weights: views into `full`.
LlamaWeights slice_llama_weights(const LlamaWeights& full, int rank, int n_ranks);

}  // namespace tessera
