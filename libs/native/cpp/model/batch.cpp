#include "model/batch.h"

#include <string>

#include "model/model_error.h"

namespace tessera {

namespace {
[[noreturn]] void bad(const std::string& what) { throw ModelError("EBADBATCH", "invalid forward batch: " + what); }
}  // namespace

void validate_batch(const ForwardBatch& b, int n_vocab, int n_blocks, int block_size) {
  const int64_t T = b.n_tokens(), S = b.n_seqs();
  if (T == 0) bad("no tokens");
  if (b.positions.size() != b.tokens.size()) bad("positions and tokens differ in length");
  if (b.slot_mapping.size() != b.tokens.size()) bad("slotMapping and tokens differ in length");
  if (static_cast<int64_t>(b.seq_starts.size()) != S + 1) bad("seqStarts must have n_seqs + 1 entries");
  if (b.max_blocks_per_seq <= 0 || static_cast<int64_t>(b.block_tables.size()) != S * b.max_blocks_per_seq) {
    bad("blockTables must hold n_seqs * maxBlocksPerSeq entries");
  }
  if (b.seq_starts[0] != 0 || b.seq_starts[S] != T) bad("seqStarts must start at 0 and end at n_tokens");
  for (int64_t s = 0; s < S; ++s) {
    const int32_t begin = b.seq_starts[s], end = b.seq_starts[s + 1], len = b.seq_lens[s];
    if (end <= begin) bad("sequence " + std::to_string(s) + " has no tokens");
    if (len <= 0 || static_cast<int64_t>(len) > static_cast<int64_t>(b.max_blocks_per_seq) * block_size) {
      bad("seqLens[" + std::to_string(s) + "] does not fit its block table");
    }
    const int32_t* table = b.block_tables.data() + s * b.max_blocks_per_seq;
    for (int32_t i = 0; i < (len + block_size - 1) / block_size; ++i) {
      if (table[i] < 0 || table[i] >= n_blocks) {
        bad("block table of sequence " + std::to_string(s) + " lacks a valid block for position " +
            std::to_string(i * block_size));
      }
    }
    for (int32_t t = begin; t < end; ++t) {
      const int32_t pos = b.positions[t];
      if (b.tokens[t] < 0 || b.tokens[t] >= n_vocab) bad("token id out of range at index " + std::to_string(t));
      if (pos < 0 || pos >= len) bad("position of token " + std::to_string(t) + " is outside its sequence length");
      const int64_t want = static_cast<int64_t>(table[pos / block_size]) * block_size + pos % block_size;
      if (b.slot_mapping[t] != want) bad("slotMapping of token " + std::to_string(t) + " disagrees with its block table");
    }
  }
  for (int32_t r : b.logit_rows) {
    if (r < 0 || r >= T) bad("logitRows entry " + std::to_string(r) + " is not a token index");
  }
}

}  // namespace tessera
