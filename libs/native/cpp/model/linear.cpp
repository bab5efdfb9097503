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
  // weights_[i]'s rows are rows starts_[i] .. starts_[i + 1] of the region.
  weights_.assign(weights.begin(), weights.end());
  starts_.assign(1, 0);
  for (const WeightView* w : weights_) starts_.push_back(starts_.back() + w->rows);
  auto weight_at = [&](int64_t row) {
    int i = 0;
    while (starts_[i + 1] <= row) ++i;
    return i;
  };
  // The caller claims chunks from the front and the workers from the back
  // (ThreadPool::run), so chunks are cut from both ends: each thread streams
  // its own end of the weights. Chunks shrink towards the middle, as in
  // guided self-scheduling (a share of the rows still left, down to 16):
  // the threads meet where chunks are short, so they end together, while
  // the first chunks are long for fewer claims. No chunk is over ~256 KiB
  // of weights (64 KiB was ~10% slower on the 49152-row output matrix), none
  // spans two weights, and boundaries are 16-row multiples within a weight.
  constexpr int64_t kChunkBytes = 256 * 1024;
  constexpr int64_t kMinRows = 16;
  const int64_t threads = pool_.size();
  auto target = [&](const WeightView* w, int64_t left) {
    const int64_t by_bytes = std::max<int64_t>(kMinRows, kChunkBytes / static_cast<int64_t>(std::max<size_t>(w->row_bytes, 1)));
    const int64_t share = (left + 2 * threads - 1) / (2 * threads);
    return (std::max<int64_t>(kMinRows, std::min(share, by_bytes)) + kMinRows - 1) / kMinRows * kMinRows;
  };
  back_.clear();
  int64_t lo = 0, hi = starts_.back();
  for (bool front = true; lo < hi; front = !front) {
    if (front) {
      const int i = weight_at(lo);
      const int64_t end = std::min({hi, starts_[i + 1], lo + target(weights_[i], hi - lo)});
      out->push_back({i, lo - starts_[i], end - starts_[i]});
      lo = end;
    } else {
      const int i = weight_at(hi - 1);
      const int64_t from = hi - target(weights_[i], hi - lo) - starts_[i];  // may be < 0
      const int64_t aligned = from <= 0 ? 0 : (from + kMinRows - 1) / kMinRows * kMinRows;
      const int64_t begin = std::max(lo, starts_[i] + aligned);
      back_.push_back({i, begin - starts_[i], hi - starts_[i]});
      hi = begin;
    }
  }
  out->insert(out->end(), back_.rbegin(), back_.rend());
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
