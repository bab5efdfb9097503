// Entry points of the K-quant kernels (Q2_K .. Q6_K, and the Q8_K activation
// format). Rows are cut into independent 256-element super-blocks; the block
// quantizers live in kquants_q*.cpp. Without an importance matrix every block
// follows the reference's file quantizer, with one the reference's weighted
// path; in both cases the bytes match the reference exactly, and since blocks
// are independent, any split of the rows across threads gives the same bytes.
#include <algorithm>
#include <cstring>

#include "kquants_blocks.h"
#include "kquants_fit.h"
#include "quant_common.h"
#include "quants.h"

namespace tessera {
namespace {

template <typename Block>
using BlockQuantizer = void (*)(const float* x, Block* y, const float* qw);

// imatrix (n_per_row weights, one per column) is indexed by column, so block b
// of every row uses the same 256 weights.
template <typename Block>
size_t quantize_rows(BlockQuantizer<Block> quantize_block, const float* src, void* dst, int64_t nrows,
                     int64_t n_per_row, const float* imatrix) {
  const int64_t blocks_per_row = n_per_row / QK_K;
  Block* out = static_cast<Block*>(dst);
  for (int64_t r = 0; r < nrows; ++r) {
    const float* row = src + r * n_per_row;
    for (int64_t b = 0; b < blocks_per_row; ++b) {
      quantize_block(row + b * QK_K, out++, imatrix ? imatrix + b * QK_K : nullptr);
    }
  }
  return static_cast<size_t>(nrows * blocks_per_row) * sizeof(Block);
}

}  // namespace

size_t quantize_q2_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_rows<block_q2_K>(kquant::quantize_block_q2_K, src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_q3_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_rows<block_q3_K>(kquant::quantize_block_q3_K, src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_q4_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_rows<block_q4_K>(kquant::quantize_block_q4_K, src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_q5_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_rows<block_q5_K>(kquant::quantize_block_q5_K, src, dst, nrows, n_per_row, imatrix);
}

size_t quantize_q6_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_rows<block_q6_K>(kquant::quantize_block_q6_K, src, dst, nrows, n_per_row, imatrix);
}

// Q8_K (activations for K-quant dot products): one float32 scale per 256
// values, int8 levels with the largest magnitude mapped to -127 (never -128),
// and the sums of each 16 levels. An all-zero block gets d = 0 and zero levels;
// we also zero its bsums (the reference leaves them unwritten).
void quantize_row_q8_K(const float* src, void* dst, int64_t k) {
  block_q8_K* y = static_cast<block_q8_K*>(dst);
  for (int64_t b = 0; b < k / QK_K; ++b, ++y) {
    const float* x = src + b * QK_K;
    float amax;
    const float max = kquant::signed_absmax<QK_K>(x, &amax);
    if (amax == 0.f) {
      std::memset(y, 0, sizeof *y);
      continue;
    }
    const float inv = -127.f / max;
    for (int i = 0; i < QK_K; ++i) y->qs[i] = static_cast<int8_t>(std::min(127, nearest_int(inv * x[i])));
    for (int g = 0; g < QK_K / 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += y->qs[16 * g + i];
      y->bsums[g] = static_cast<int16_t>(sum);
    }
    y->d = 1.f / inv;
  }
}

}  // namespace tessera
