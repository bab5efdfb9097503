// Weight matmuls for the forward pass: y = W x for a batch of activation
// rows. Activations are quantized once per row to the weight type's vec-dot
// format (as the reference does) and reused by every weight of the same
// format that reads the same input (q/k/v, gate/up).
//
// The runtime builds its parallel regions from two pieces: prepare() (one
// region over input rows: an optional per-row step such as a norm, then the
// quantization) and chunks() + rows() (the output rows of one or more weights
// cut into chunks, so q, k and v, or gate and up, share one region). Each
// output depends only on its own activation row and weight row, so results
// never depend on how rows are split between threads; they depend on the
// batch only where the reference's do, and only if set_rounding() says so.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "matmul/matmul.h"
#include "model/aligned_buffer.h"
#include "model/thread_pool.h"

namespace tessera {

// Output rows [begin, end) of one weight.
struct RowChunk {
  int weight;  // index into the list given to chunks()
  int64_t begin, end;
};

class Linear {
 public:
  explicit Linear(ThreadPool& pool) : pool_(pool) {}

  // Declares the input of the following rows() calls, n_rows rows of `cols`
  // floats at x, and quantizes it for every weight in `weights` in one
  // parallel region. `before_row(t)`, when given, runs first for each row
  // (it may write row t of x).
  void prepare(const float* x, int64_t n_rows, int64_t cols, std::initializer_list<const WeightView*> weights);
  void prepare(const float* x, int64_t n_rows, int64_t cols, std::initializer_list<const WeightView*> weights,
               TaskRef before_row);

  // Cuts the output rows of `weights` into chunks for the pool, in memory
  // order, long at both ends and short in the middle (the pool's caller
  // takes them from the front, its workers from the back); chunk
  // boundaries are multiples of 16 rows within each weight.
  void chunks(std::initializer_list<const WeightView*> weights, std::vector<RowChunk>* out) const;

  // y[t * w.rows + r] = W[r] . x[t] for r in [begin, end) and every input row t.
  void rows(const WeightView& w, float* y, int64_t begin, int64_t end) const;

  // How each input row rounds (see TokenRounding in matmul.h), n_rows
  // entries for the following rows() calls; nullptr (the default): every row
  // Alone, so results never depend on the batch. The pointer is kept, not
  // copied.
  void set_rounding(const TokenRounding* rounding) { rounding_ = rounding; }

  int64_t n_rows() const { return n_rows_; }
  size_t scratch_bytes() const;

 private:
  struct Quantized {
    GgmlType format;
    GgmlType weight_type;  // any weight type with this format (for the quantizer)
    size_t row_bytes = 0;
    AlignedBuffer data;
  };
  const Quantized& quantized_for(const WeightView& w) const;

  ThreadPool& pool_;
  int64_t n_rows_ = 0, cols_ = 0;
  int n_formats_ = 0;
  const TokenRounding* rounding_ = nullptr;
  Quantized formats_[4];
  // chunks()'s working lists, kept to allocate nothing per region.
  mutable std::vector<const WeightView*> weights_;
  mutable std::vector<int64_t> starts_;
  mutable std::vector<RowChunk> back_;
};

// The roundings of rows that come in runs of one sequence each: run s is
// rows [starts[s], starts[s + 1]) and rounds as a reference batch of its own,
// so a sequence's results never depend on the other sequences in the batch.
void rounding_by_runs(const int32_t* starts, int64_t n_runs, std::vector<TokenRounding>* out);

// The same for `n` rows whose sequence is seq_of_row[r]: consecutive rows
// of one sequence form a run.
void rounding_by_sequence(const int32_t* seq_of_row, int64_t n, std::vector<TokenRounding>* out);

}  // namespace tessera
