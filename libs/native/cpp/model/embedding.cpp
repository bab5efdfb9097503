#include "model/embedding.h"

#include <cstring>
#include <string>

#include "model/model_error.h"

namespace tessera {

EmbeddingKernel embedding_kernel(GgmlType type) {
  EmbeddingKernel k;
  if (type == GgmlType::F32) return k;
  const TypeKernels* tk = find_type_kernels(static_cast<int32_t>(type), KernelPath::Auto);
  if (!tk || !tk->dequantize) {
    throw ModelError("EUNSUPPORTEDTYPE", "token_embd.weight has type id " + std::to_string(static_cast<int>(type)) +
                                             ", which no dequantization kernel reads");
  }
  k.dequantize = tk->dequantize;
  return k;
}

void embed_row(const EmbeddingKernel& k, const void* row, float* out, int64_t n) {
  if (k.dequantize) {
    k.dequantize(row, out, n);
  } else {
    std::memcpy(out, row, static_cast<size_t>(n) * sizeof(float));
  }
}

}  // namespace tessera
