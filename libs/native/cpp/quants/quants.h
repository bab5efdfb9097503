// Entry points of the quantization kernels. One function pair per type,
// mirroring the reference implementation's contract so results can be
// compared byte for byte:
//   quantize_<t>(src, dst, nrows, n_per_row, imatrix) -> bytes written
//     src: nrows * n_per_row floats; n_per_row is a multiple of the block size.
//     imatrix: nullptr, or n_per_row importance weights (one per column).
//   dequantize_row_<t>(src, dst, k): k floats from k / block_size blocks.
// These are the scalar reference paths. Faster paths live beside them and
// must produce identical bytes; they are selected in dispatch.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include "blocks.h"

namespace tessera {

#define TESSERA_DECLARE_QUANT(T)                                                        \
  size_t quantize_##T(const float* src, void* dst, int64_t nrows, int64_t n_per_row,  \
                      const float* imatrix);                                          \
  void dequantize_row_##T(const void* src, float* dst, int64_t k);

TESSERA_DECLARE_QUANT(f16)
TESSERA_DECLARE_QUANT(bf16)
TESSERA_DECLARE_QUANT(q4_0)
TESSERA_DECLARE_QUANT(q4_1)
TESSERA_DECLARE_QUANT(q5_0)
TESSERA_DECLARE_QUANT(q5_1)
TESSERA_DECLARE_QUANT(q8_0)
TESSERA_DECLARE_QUANT(q2_K)
TESSERA_DECLARE_QUANT(q3_K)
TESSERA_DECLARE_QUANT(q4_K)
TESSERA_DECLARE_QUANT(q5_K)
TESSERA_DECLARE_QUANT(q6_K)
TESSERA_DECLARE_QUANT(iq4_nl)
TESSERA_DECLARE_QUANT(iq4_xs)

#undef TESSERA_DECLARE_QUANT

// Activation formats used by dot products (no file writer produces them).
void quantize_row_q8_1(const float* src, void* dst, int64_t k);
void quantize_row_q8_K(const float* src, void* dst, int64_t k);

}  // namespace tessera
