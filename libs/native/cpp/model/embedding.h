// Token embedding lookup: one row of token_embd, dequantized to floats with
// the quantization library's reference kernels.
#pragma once
#include <cstdint>

#include "quants/blocks.h"
#include "quants/kernel_table.h"

namespace tessera {

// Null `dequantize` means the row is already F32 and is copied.
struct EmbeddingKernel {
  DequantizeFn dequantize = nullptr;
};

// Throws ModelError("EUNSUPPORTEDTYPE") for a type no kernel can read.
EmbeddingKernel embedding_kernel(GgmlType type);

void embed_row(const EmbeddingKernel& k, const void* row, float* out, int64_t n);

}  // namespace tessera
