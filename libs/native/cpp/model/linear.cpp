#include "model/linear.h"

#include <algorithm>

#include "model/model_error.h"

namespace tessera {

void Linear::prepare(const float* x, int64_t n_rows, int64_t cols, std::initializer_list<const WeightView*> weights) {
  auto nothing = [](int64_t, int) {};
  prepare(x, n_rows, cols, weights, nothing);
}

void Linear::prepare(const float* x, int64_t n_rows, int64_t cols, std::initializer_list<const WeightView*> weights,
                     TaskRef before_row) {
  n_rows_ = n_rows;
  cols_ = cols;
  n_formats_ = 0;
  for (const WeightView* w : weights) {
    if (w->cols != cols) throw ModelError("EINTERNAL", "matmul input width does not match the weight");
    const GgmlType format = vec_dot_type(w->type);
    bool seen = false;
    for (int f = 0; f < n_formats_; ++f) seen = seen || formats_[f].format == format;
    if (seen) continue;
    if (n_formats_ == 4) throw ModelError("EINTERNAL", "too many activation formats for one input");
    Quantized& q = formats_[n_formats_++];
    q.format = format;
    q.weight_type = w->type;
    q.row_bytes = activation_row_bytes(w->type, cols);
    q.data.reserve(q.row_bytes * static_cast<size_t>(n_rows));
  }
  pool_.run(n_rows, [&](int64_t t, int thread) {
    before_row(t, thread);
    for (int f = 0; f < n_formats_; ++f) {
      Quantized& q = formats_[f];
      quantize_activations(q.weight_type, x + t * cols, q.data.as<uint8_t>() + static_cast<size_t>(t) * q.row_bytes,
                           cols);
    }
  });
}

const Linear::Quantized& Linear::quantized_for(const WeightView& w) const {
  const GgmlType format = vec_dot_type(w.type);
  for (int f = 0; f < n_formats_; ++f) {
    if (formats_[f].format == format) return formats_[f];
  }
  throw ModelError("EINTERNAL", "matmul input was not prepared for this weight's format");
}

void Linear::chunks(std::initializer_list<const WeightView*> weights, std::vector<RowChunk>* out) const {
  out->clear();
  int64_t total = 0;
  for (const WeightView* w : weights) total += w->rows;
  // Chunks shrink as the region goes (a share of what is left, as in guided
  // self-scheduling), down to 16 rows: a region ends when its last chunk
  // does, so its last chunks must be short, while the first ones are long
  // for fewer claims and longer streams. No chunk is over ~256 KiB of
  // weights (64 KiB was ~10% slower on the 49152-row output matrix).
  constexpr int64_t kChunkBytes = 256 * 1024;
  const int64_t threads = pool_.size();
  int64_t left = total;
  int index = 0;
  for (const WeightView* w : weights) {
    const int64_t by_bytes = std::max<int64_t>(16, kChunkBytes / static_cast<int64_t>(std::max<size_t>(w->row_bytes, 1)));
    for (int64_t r = 0; r < w->rows;) {
      const int64_t share = (left + 2 * threads - 1) / (2 * threads);
      const int64_t chunk = (std::max<int64_t>(16, std::min(share, by_bytes)) + 15) / 16 * 16;
      const int64_t end = std::min(w->rows, r + chunk);
      out->push_back({index, r, end});
      left -= end - r;
      r = end;
    }
    ++index;
  }
}

void Linear::rows(const WeightView& w, float* y, int64_t begin, int64_t end) const {
  const Quantized& q = quantized_for(w);
  matmul_rows(w, q.data.as<uint8_t>(), n_rows_, q.row_bytes, y, w.rows, begin, end, rounding_);
}

size_t Linear::scratch_bytes() const {
  size_t n = 0;
  for (const auto& q : formats_) n += q.data.capacity();
  return n;
}

void rounding_by_runs(const int32_t* starts, int64_t n_runs, std::vector<TokenRounding>* out) {
  out->resize(n_runs > 0 ? static_cast<size_t>(starts[n_runs]) : 0);
  for (int64_t s = 0; s < n_runs; ++s) reference_rounding(starts[s + 1] - starts[s], out->data() + starts[s]);
}

void rounding_by_sequence(const int32_t* seq_of_row, int64_t n, std::vector<TokenRounding>* out) {
  out->resize(static_cast<size_t>(n));
  for (int64_t r0 = 0; r0 < n;) {
    int64_t r1 = r0 + 1;
    while (r1 < n && seq_of_row[r1] == seq_of_row[r0]) ++r1;
    reference_rounding(r1 - r0, out->data() + r0);
    r0 = r1;
  }
}

}  // namespace tessera
