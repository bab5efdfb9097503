// A quantize or dequantize request in plain C++ terms: raw pointers into
// memory the binding keeps alive, sizes, and the kernel chosen on the main
// thread. Running it touches no JS value, so it may run on any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "../quants/kernel_table.h"

namespace tessera {

struct QuantizeJob {
  QuantizeFn kernel = nullptr;
  // With `decode` null, `src` holds F32 rows. Otherwise it holds rows of
  // another type (`src_row_bytes` each) that `decode` widens to F32 a chunk
  // at a time into per-thread scratch, so no F32 copy of the input exists.
  const void* src = nullptr;
  DequantizeFn decode = nullptr;
  size_t src_row_bytes = 0;
  uint8_t* dst = nullptr;
  int64_t nrows = 0;
  int64_t n_per_row = 0;
  size_t row_bytes = 0;
  std::vector<float> imatrix;  // empty: none (copied, it is small)
  int threads = 1;
  std::shared_ptr<std::atomic<bool>> cancel;  // may be null
};

struct DequantizeJob {
  DequantizeFn kernel = nullptr;
  const uint8_t* src = nullptr;
  float* dst = nullptr;
  int64_t nblocks = 0;
  int64_t block_size = 0;
  int64_t type_size = 0;
  int threads = 1;
  std::shared_ptr<std::atomic<bool>> cancel;
};

// Both return false when cancelled before finishing.
bool run_quantize(const QuantizeJob& job);
bool run_dequantize(const DequantizeJob& job);

}  // namespace tessera
