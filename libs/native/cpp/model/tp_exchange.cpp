#include "model/tp_exchange.h"

#include <cstring>

namespace tessera {

void CpuRankExchange::reserve(size_t floats) {
  if (floats <= floats_) return;
  for (AlignedBuffer& b : buffers_) b.reserve(floats * sizeof(float));
  floats_ = floats;
}

const float* CpuRankExchange::all_gather(Buffer which, int rank, const float* part, int64_t n_rows, int64_t cols) {
  float* all = buffers_[which].as<float>();
  const int64_t width = cols * n_ranks_;
  for (int64_t t = 0; t < n_rows; ++t) {
    std::memcpy(all + t * width + rank * cols, part + t * cols, static_cast<size_t>(cols) * sizeof(float));
  }
  barrier_.arrive_and_wait();
  return all;
}

}  // namespace tessera
