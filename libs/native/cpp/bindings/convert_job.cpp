#include "convert_job.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "../parallel.h"

namespace tessera {

namespace {

// Chunks shorter than this cost more in scheduling than they save.
constexpr int64_t kMinChunkElements = 4096;

}  // namespace

bool run_quantize(const QuantizeJob& job) {
  const float* imatrix = job.imatrix.empty() ? nullptr : job.imatrix.data();
  const int64_t min_rows = (kMinChunkElements + job.n_per_row - 1) / job.n_per_row;
  const int64_t chunk = pick_chunk(job.nrows, job.threads, min_rows);
  // Rows are quantized independently, so any split gives the same bytes.
  return run_chunks(job.nrows, chunk, job.threads, job.cancel.get(), [&](int64_t begin, int64_t end) {
    job.kernel(job.src + begin * job.n_per_row, job.dst + static_cast<size_t>(begin) * job.row_bytes, end - begin,
               job.n_per_row, imatrix);
  });
}

bool run_dequantize(const DequantizeJob& job) {
  const int64_t min_blocks = (kMinChunkElements + job.block_size - 1) / job.block_size;
  const int64_t chunk = pick_chunk(job.nblocks, job.threads, min_blocks);
  // Kernels read blocks through typed pointers (16-bit scales, floats), so a
  // source at an odd address (a Uint8Array view at any offset) is copied to
  // aligned scratch one chunk at a time first.
  const bool misaligned = reinterpret_cast<uintptr_t>(job.src) % alignof(float) != 0;
  return run_chunks(job.nblocks, chunk, job.threads, job.cancel.get(), [&](int64_t begin, int64_t end) {
    const uint8_t* src = job.src + begin * job.type_size;
    const size_t bytes = static_cast<size_t>((end - begin) * job.type_size);
    std::vector<float> scratch;
    if (misaligned) {
      scratch.resize((bytes + sizeof(float) - 1) / sizeof(float));
      std::memcpy(scratch.data(), src, bytes);
      src = reinterpret_cast<const uint8_t*>(scratch.data());
    }
    job.kernel(src, job.dst + begin * job.block_size, (end - begin) * job.block_size);
  });
}

}  // namespace tessera
