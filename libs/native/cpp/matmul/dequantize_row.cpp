// Weight rows back to floats (embedding lookups), through the quantization
// library's kernel table so the fastest dequantizer for this CPU is used.
#include <cstring>

#include "matmul/matmul.h"
#include "quants/kernel_table.h"

namespace tessera {

void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) {
  if (t == GgmlType::F32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  const TypeKernels* k = find_type_kernels(static_cast<int32_t>(t), kernel_path());
  if (k && k->dequantize) k->dequantize(src, dst, n);
}

}  // namespace tessera
