// AVX-512 (with VNNI) kernels. Types without one here use their AVX2 kernel.
#include "matmul/kernels.h"

namespace tessera {
namespace mm {

Kernel avx512_kernel(GgmlType) { return {}; }

}  // namespace mm
}  // namespace tessera
