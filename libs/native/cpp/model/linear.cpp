#include "model/linear.h"

#include <algorithm>

#include "model/model_error.h"

namespace tessera {

void Linear::set_input(const float* x, int64_t n_rows, int64_t cols) {
  x_ = x;
  n_rows_ = n_rows;
  cols_ = cols;
  for (auto& q : storage_) q.ready = false;
}

Linear::Quantized& Linear::quantized_for(const WeightView& w) {
  const GgmlType format = vec_dot_type(w.type);
  Quantized* slot = nullptr;
  for (auto& q : storage_) {
    if (q.ready && q.format == format) return q;
    if (!q.ready && !slot) slot = &q;
  }
  if (!slot) throw ModelError("EINTERNAL", "too many activation formats for one input");
  slot->format = format;
  slot->row_bytes = activation_row_bytes(w.type, cols_);
  slot->data.reserve(slot->row_bytes * static_cast<size_t>(n_rows_));
  uint8_t* dst = slot->data.as<uint8_t>();
  const size_t rb = slot->row_bytes;
  const float* x = x_;
  const int64_t cols = cols_;
  const GgmlType wtype = w.type;
  pool_.run(n_rows_, [&](int64_t t, int) {
    quantize_activations(wtype, x + t * cols, dst + static_cast<size_t>(t) * rb, cols);
  });
  slot->ready = true;
  return *slot;
}

void Linear::apply(const WeightView& w, float* y) {
  if (w.cols != cols_) throw ModelError("EINTERNAL", "matmul input width does not match the weight");
  Quantized& q = quantized_for(w);
  const int64_t threads = pool_.size();
  // Several chunks per thread balance uneven progress; chunks stay large
  // enough that each thread streams a contiguous slab of the weight.
  int64_t chunk = std::max<int64_t>(16, (w.rows + threads * 4 - 1) / (threads * 4));
  chunk = (chunk + 15) / 16 * 16;
  const int64_t n_chunks = (w.rows + chunk - 1) / chunk;
  const void* xq = q.data.as<uint8_t>();
  const size_t stride = q.row_bytes;
  const int64_t n_rows = n_rows_;
  pool_.run(n_chunks, [&](int64_t c, int) {
    const int64_t r0 = c * chunk;
    const int64_t r1 = std::min(w.rows, r0 + chunk);
    matmul_rows(w, xq, n_rows, stride, y, w.rows, r0, r1);
  });
}

}  // namespace tessera
