// Internal contract between the matmul dispatcher and the per-ISA kernels.
// Not part of the public API (see matmul.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include "quants/blocks.h"

namespace tessera {
namespace mm {

// One dot product of a weight row (n elements) with a quantized activation row.
using DotFn = float (*)(int64_t n, const void* w, const void* xq);

// A tile: y[t * y_stride + r] for r in [0, nrows), t in [0, ntok). Weight row r
// is at w + r * w_stride, activation row t at xq + t * xq_stride. Every kernel
// computes each output with exactly the same operations as its DotFn, so
// results do not depend on how rows and tokens are grouped.
using TileFn = void (*)(int64_t n, const uint8_t* w, size_t w_stride, int64_t nrows,
                        const uint8_t* xq, size_t xq_stride, int64_t ntok, float* y,
                        int64_t y_stride);

struct Kernel {
  DotFn dot = nullptr;
  TileFn tile = nullptr;
  // Where the reference switches to another kernel (with other roundings)
  // for batches of 2 or more tokens: that kernel, used for
  // TokenRounding::Batched(Quad) tokens when the row length is a multiple of
  // batch_block and the row count a multiple of 4.
  TileFn tile_batch = nullptr;
  int64_t batch_block = 0;
};

// Kernels over row-interleaved ("packed") weights, group_rows rows per group.
struct PackedKernel {
  int64_t group_rows = 8;
  size_t group_bytes = 0;  // bytes of one group of one block (0: none)
  // Rearranges rows [group_rows * g, group_rows * (g + 1)) of `w` (missing
  // rows as zeros) for all g.
  void (*pack)(const uint8_t* data, size_t row_bytes, int64_t rows, int64_t nb, uint8_t* dst) = nullptr;
  // y[t * y_stride + r] for r in [row_begin, row_end) and the tokens t =
  // tokens[0 .. ntok) (tokens == nullptr: t = 0 .. ntok - 1); `packed` holds
  // ceil(rows / group_rows) groups of nb blocks. `quad`: these tokens are
  // TokenRounding::BatchedQuad.
  void (*run)(const uint8_t* packed, int64_t nb, const uint8_t* xq, size_t xq_stride,
              const int32_t* tokens, int64_t ntok, bool quad, float* y, int64_t y_stride,
              int64_t row_begin, int64_t row_end) = nullptr;
  // True when run() cuts many-token products into cache-sized row panels
  // itself; otherwise the dispatcher calls it once per panel.
  bool panels_inside = false;
};
PackedKernel avx512_packed_kernel(GgmlType wtype);
PackedKernel avx512_packed_kquant_kernel(GgmlType wtype);    // Q4_K, Q5_K (8 rows), Q6_K
PackedKernel avx512_packed_low_bit_kernel(GgmlType wtype);  // Q2_K, IQ4_XS
PackedKernel avx512_packed_lanes16_kernel(GgmlType wtype);  // Q8_0, Q5_0, Q4_0: 16 rows per group
PackedKernel avx512_packed_q6k_kernel();                     // Q6_K: 16 rows per group
// Rows longer than this many blocks are not packed.
int64_t avx512_packed_max_blocks();

// Kernels for one weight type per instruction set; {nullptr, nullptr} where an
// instruction set has no specialised kernel (the dispatcher falls back).
Kernel scalar_kernel(GgmlType wtype);
Kernel avx2_kernel(GgmlType wtype);
Kernel avx512_kernel(GgmlType wtype);

// Elements per block and bytes per block of the types matmul handles.
struct TypeShape {
  int64_t block = 0;
  size_t bytes = 0;
};
TypeShape type_shape(GgmlType t);

// The tile every kernel without a smarter one uses: one dot per output.
template <DotFn Dot>
void tile_by_dots(int64_t n, const uint8_t* w, size_t w_stride, int64_t nrows,
                  const uint8_t* xq, size_t xq_stride, int64_t ntok, float* y,
                  int64_t y_stride) {
  for (int64_t r = 0; r < nrows; ++r) {
    const uint8_t* wr = w + r * w_stride;
    for (int64_t t = 0; t < ntok; ++t) y[t * y_stride + r] = Dot(n, wr, xq + t * xq_stride);
  }
}

}  // namespace mm
}  // namespace tessera
