// One forward step's input, flattened over sequences (see the engine design:
// decode tokens and prefill chunks of many sequences share one call).
#pragma once
#include <cstdint>
#include <vector>

namespace tessera {

struct ForwardBatch {
  std::vector<int32_t> tokens;        // n_tokens
  std::vector<int32_t> positions;     // n_tokens, position of each token in its sequence
  std::vector<int32_t> seq_starts;    // n_seqs + 1 offsets into tokens
  std::vector<int32_t> seq_lens;      // n_seqs, context length after this step
  std::vector<int32_t> block_tables;  // n_seqs * max_blocks_per_seq, -1 padded
  std::vector<int32_t> slot_mapping;  // n_tokens, block * block_size + offset
  std::vector<int32_t> logit_rows;    // token indices whose logits are returned
  int32_t max_blocks_per_seq = 0;

  int64_t n_tokens() const { return static_cast<int64_t>(tokens.size()); }
  int64_t n_seqs() const { return static_cast<int64_t>(seq_lens.size()); }
};

// Throws ModelError("EBADBATCH") describing the first inconsistency: sizes,
// token ids, positions beyond a sequence's length, block ids outside the
// pool, or a slot that is not where the block table puts that position.
void validate_batch(const ForwardBatch& b, int n_vocab, int n_blocks, int block_size);

}  // namespace tessera
