// One block of activation quantization (see activations.cpp for the rounding
// rules), and the AVX2 versions over whole rows. The AVX2 ones write the same
// bytes as the scalar ones; a block holding a NaN or an infinity, or whose
// scale overflows, goes through the scalar code, whose integer rounding is
// defined for those too.
#pragma once
#include <cstdint>

#include "quants/blocks.h"

namespace tessera {
namespace mm {

void quantize_block_q8_0(const float* x, block_q8_0* y);
void quantize_block_q8_1(const float* x, block_q8_1* y);
void quantize_block_q8_K(const float* x, block_q8_K* y);

void quantize_q8_0_avx2(const float* x, block_q8_0* y, int64_t nb);
void quantize_q8_1_avx2(const float* x, block_q8_1* y, int64_t nb);
void quantize_q8_K_avx2(const float* x, block_q8_K* y, int64_t nb);

}  // namespace mm
}  // namespace tessera
