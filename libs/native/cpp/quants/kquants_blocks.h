// Per-super-block K-quant quantizers (256 input floats -> one block).
//
// qw == nullptr selects the reference file quantizer (what llama-quantize
// does without an importance matrix). Otherwise qw points at the 256
// importance weights of this block's columns and the weighted search of the
// reference's imatrix path is used. Both are byte-exact with the reference.
#pragma once
#include "blocks.h"

namespace tessera {
namespace kquant {

void quantize_block_q2_K(const float* x, block_q2_K* y, const float* qw);
void quantize_block_q3_K(const float* x, block_q3_K* y, const float* qw);
void quantize_block_q4_K(const float* x, block_q4_K* y, const float* qw);
void quantize_block_q5_K(const float* x, block_q5_K* y, const float* qw);
void quantize_block_q6_K(const float* x, block_q6_K* y, const float* qw);

}  // namespace kquant
}  // namespace tessera
