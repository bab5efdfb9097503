// Weight matmuls for the forward pass: y = W x for a batch of activation
// rows. Activations are quantized once per row to the weight type's vec-dot
// format (as the reference does) and reused by every weight of the same
// format that reads the same input (q/k/v, gate/up). Rows of W are split
// across the thread pool; each output depends only on its own activation
// row, so results do not depend on how tokens are batched.
#pragma once
#include <cstdint>
#include <vector>

#include "matmul/matmul.h"
#include "model/aligned_buffer.h"
#include "model/thread_pool.h"

namespace tessera {

class Linear {
 public:
  explicit Linear(ThreadPool& pool) : pool_(pool) {}

  // Declares the input of the following apply() calls: n_rows rows of `cols`
  // floats, contiguous. Drops previously quantized copies.
  void set_input(const float* x, int64_t n_rows, int64_t cols);

  // y[t * w.rows + r] = W[r] . x[t] for every input row t.
  void apply(const WeightView& w, float* y);

 private:
  struct Quantized {
    GgmlType format;
    bool ready = false;
    size_t row_bytes = 0;
    AlignedBuffer data;
  };
  Quantized& quantized_for(const WeightView& w);

  ThreadPool& pool_;
  const float* x_ = nullptr;
  int64_t n_rows_ = 0, cols_ = 0;
  std::vector<Quantized*> cache_;
  std::vector<Quantized> storage_ = std::vector<Quantized>(4);
};

}  // namespace tessera
