#include "convert_job.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "../parallel.h"

namespace tessera {

namespace {

// Chunks shorter than this cost more in scheduling than they save.
constexpr int64_t kMinChunkElements = 4096;
// Decoded rows per chunk when quantizing from a packed source: 128 KiB of F32
// stays in L2 between being written by the decoder and read by the quantizer.
constexpr int64_t kDecodedChunkElements = 32768;

bool misaligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % alignof(float) != 0; }

// Float buffers lent to chunks and returned after, so each thread reuses one
// buffer for the whole job instead of allocating (and faulting in) one per chunk.
class ScratchShelf {
 public:
  std::vector<float> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return {};
    std::vector<float> v = std::move(free_.back());
    free_.pop_back();
    return v;
  }
  void give(std::vector<float> v) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(v));
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<float>> free_;
};

// Kernels read blocks through typed pointers (16-bit scales, floats), so a
// source at an odd address (a Uint8Array view at any offset) is copied into
// aligned scratch one chunk at a time first; returns the pointer to decode from.
const uint8_t* aligned_source(const uint8_t* src, size_t bytes, bool copy, std::vector<float>* scratch) {
  if (!copy) return src;
  scratch->resize((bytes + sizeof(float) - 1) / sizeof(float));
  std::memcpy(scratch->data(), src, bytes);
  return reinterpret_cast<const uint8_t*>(scratch->data());
}

bool run_quantize_f32(const QuantizeJob& job, const float* imatrix, int64_t min_rows) {
  const float* src = static_cast<const float*>(job.src);
  const int64_t chunk = pick_chunk(job.nrows, job.threads, min_rows);
  // Rows are quantized independently, so any split gives the same bytes.
  return run_chunks(job.nrows, chunk, job.threads, job.cancel.get(), [&](int64_t begin, int64_t end) {
    job.kernel(src + begin * job.n_per_row, job.dst + static_cast<size_t>(begin) * job.row_bytes, end - begin,
               job.n_per_row, imatrix);
  });
}

bool run_quantize_decoded(const QuantizeJob& job, const float* imatrix, int64_t min_rows) {
  const int64_t cache_rows = std::max<int64_t>(1, kDecodedChunkElements / job.n_per_row);
  const int64_t chunk = std::max(min_rows, std::min(pick_chunk(job.nrows, job.threads, min_rows), cache_rows));
  const uint8_t* src = static_cast<const uint8_t*>(job.src);
  const bool copy_source = misaligned(src);
  ScratchShelf decoded_shelf, copy_shelf;
  // Decoding whole rows then quantizing them gives the bytes of decoding the
  // whole input first: both steps treat rows independently.
  return run_chunks(job.nrows, chunk, job.threads, job.cancel.get(), [&](int64_t begin, int64_t end) {
    std::vector<float> decoded = decoded_shelf.take(), copy = copy_shelf.take();
    const int64_t n = (end - begin) * job.n_per_row;
    decoded.resize(static_cast<size_t>(n));
    const size_t bytes = static_cast<size_t>(end - begin) * job.src_row_bytes;
    job.decode(aligned_source(src + static_cast<size_t>(begin) * job.src_row_bytes, bytes, copy_source, &copy), decoded.data(), n);
    job.kernel(decoded.data(), job.dst + static_cast<size_t>(begin) * job.row_bytes, end - begin, job.n_per_row,
               imatrix);
    decoded_shelf.give(std::move(decoded));
    copy_shelf.give(std::move(copy));
  });
}

}  // namespace

bool run_quantize(const QuantizeJob& job) {
  const float* imatrix = job.imatrix.empty() ? nullptr : job.imatrix.data();
  const int64_t min_rows = (kMinChunkElements + job.n_per_row - 1) / job.n_per_row;
  return job.decode ? run_quantize_decoded(job, imatrix, min_rows) : run_quantize_f32(job, imatrix, min_rows);
}

bool run_dequantize(const DequantizeJob& job) {
  const int64_t min_blocks = (kMinChunkElements + job.block_size - 1) / job.block_size;
  const int64_t chunk = pick_chunk(job.nblocks, job.threads, min_blocks);
  const bool copy_source = misaligned(job.src);
  return run_chunks(job.nblocks, chunk, job.threads, job.cancel.get(), [&](int64_t begin, int64_t end) {
    const size_t bytes = static_cast<size_t>((end - begin) * job.type_size);
    std::vector<float> scratch;
    const uint8_t* src = aligned_source(job.src + begin * job.type_size, bytes, copy_source, &scratch);
    job.kernel(src, job.dst + begin * job.block_size, (end - begin) * job.block_size);
  });
}

}  // namespace tessera
