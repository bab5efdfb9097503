// How CPU tensor-parallel ranks exchange activations, through shared memory.
//
// A projection whose input is split over the ranks (the attention output
// projection reads every head; FFN down reads the whole FFN width) runs in
// two all-gathers: each rank publishes its columns of the input, every rank
// reads the whole input back and computes its own slice of the output rows,
// then each rank publishes those and every rank adds the whole output to its
// copy of the residual stream. Every output is then one whole dot product,
// summed in the order one rank would sum it, so N ranks give bit-for-bit the
// logits of one (see docs/decisions.md, "Tensor parallelism", for why not a
// row-parallel projection with an all-reduce of partial sums).
//
// Buffer reuse needs no double buffering: a rank writes a buffer again only
// after passing the barrier that every rank reaches after its last read.
// A CUDA rank group would offer the same call over ncclAllGather.
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/aligned_buffer.h"
#include "model/tp_barrier.h"

namespace tessera {

class CpuRankExchange {
 public:
  enum Buffer : int { kInput = 0, kOutput = 1 };

  explicit CpuRankExchange(int n_ranks) : n_ranks_(n_ranks), barrier_(n_ranks) {}

  int ranks() const { return n_ranks_; }
  // Grows the shared buffers to `floats` each; between steps only.
  void reserve(size_t floats);
  size_t bytes() const { return buffers_[0].capacity() + buffers_[1].capacity(); }

  // Copies `part` (n_rows rows of `cols` floats) into columns
  // [rank * cols, (rank + 1) * cols) of `which`, waits for every rank, and
  // returns the gathered n_rows rows of ranks() * cols floats. Throws
  // RankAborted if another rank failed.
  const float* all_gather(Buffer which, int rank, const float* part, int64_t n_rows, int64_t cols);

  // A failing rank calls abort() so the others leave their barrier wait;
  // reset() before the next step.
  void abort() { barrier_.abort(); }
  void reset() { barrier_.reset(); }

 private:
  int n_ranks_;
  size_t floats_ = 0;
  AlignedBuffer buffers_[2];
  RankBarrier barrier_;
};

}  // namespace tessera
