// Q8_0 -> F32 on the GPU, mirroring the CPU kernel's contract
// (dequantize_row_q8_0): k values from k / 32 blocks, y = d * q.
#pragma once
#include <cstdint>
#include <string>

namespace tessera {

// Copies the blocks to device 0, decodes them and copies the floats back.
// Returns false with *error set when there is no device or a CUDA call fails.
bool cuda_dequantize_q8_0(const void* src, float* dst, int64_t k, std::string* error);

}  // namespace tessera
