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
};

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
