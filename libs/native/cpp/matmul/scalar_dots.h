// The scalar reference dot products, one per weight type (see kernels.h for
// the DotFn contract).
#pragma once
#include <cstdint>
#include "quants/blocks.h"

namespace tessera {
namespace mm {

float dot_f32_scalar(int64_t n, const void* w, const void* xq);
float dot_f16_scalar(int64_t n, const void* w, const void* xq);
float dot_bf16_scalar(int64_t n, const void* w, const void* xq);
float dot_q4_0_scalar(int64_t n, const void* w, const void* xq);
float dot_q4_1_scalar(int64_t n, const void* w, const void* xq);
float dot_q5_0_scalar(int64_t n, const void* w, const void* xq);
float dot_q5_1_scalar(int64_t n, const void* w, const void* xq);
float dot_q8_0_scalar(int64_t n, const void* w, const void* xq);
float dot_iq4_nl_scalar(int64_t n, const void* w, const void* xq);
float dot_q2_K_scalar(int64_t n, const void* w, const void* xq);
float dot_q3_K_scalar(int64_t n, const void* w, const void* xq);
float dot_q4_K_scalar(int64_t n, const void* w, const void* xq);
float dot_q5_K_scalar(int64_t n, const void* w, const void* xq);
float dot_q6_K_scalar(int64_t n, const void* w, const void* xq);
float dot_iq4_xs_scalar(int64_t n, const void* w, const void* xq);

}  // namespace mm
}  // namespace tessera
