// Scalar reference dot products for the float types and the 32-element block
// types. Each block's integer sum is exact; blocks are combined in float in
// order, as the reference's generic code does. These are the ground truth the
// SIMD kernels are tested against.
#include "matmul/kernels.h"
#include "matmul/scalar_dots.h"
#include "quants/quant_common.h"

namespace tessera {
namespace mm {

float dot_f32_scalar(int64_t n, const void* w, const void* xq) {
  const float* a = static_cast<const float*>(w);
  const float* b = static_cast<const float*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float dot_f16_scalar(int64_t n, const void* w, const void* xq) {
  const uint16_t* a = static_cast<const uint16_t*>(w);
  const uint16_t* b = static_cast<const uint16_t*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]);
  return sum;
}

float dot_bf16_scalar(int64_t n, const void* w, const void* xq) {
  const uint16_t* a = static_cast<const uint16_t*>(w);
  const uint16_t* b = static_cast<const uint16_t*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(a[i]) * bf16_to_fp32(b[i]);
  return sum;
}

// In all 32-element formats byte j of the packed nibbles holds element j in
// its low nibble and element j + 16 in its high nibble.

float dot_q4_0_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q4_0*>(w);
  const auto* y = static_cast<const block_q8_0*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK4_0; ++i) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j];
      isum += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

float dot_q4_1_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q4_1*>(w);
  const auto* y = static_cast<const block_q8_1*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK4_1; ++i) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += (x[i].qs[j] & 0xF) * y[i].qs[j];
      isum += (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    }
    // w = d * q + m, and y.s = y.d * sum(y.qs): the min term needs no loop.
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) +
           fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
  }
  return sum;
}

namespace {
// Fifth bits of a Q5 block: bit j of the 32-bit field belongs to element j.
inline uint32_t high_bits(const uint8_t* qh) {
  return static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
         (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
}
}  // namespace

float dot_q5_0_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q5_0*>(w);
  const auto* y = static_cast<const block_q8_0*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK5_0; ++i) {
    const uint32_t qh = high_bits(x[i].qh);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = (x[i].qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[i].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      isum += (lo - 16) * y[i].qs[j] + (hi - 16) * y[i].qs[j + 16];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

float dot_q5_1_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q5_1*>(w);
  const auto* y = static_cast<const block_q8_1*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK5_1; ++i) {
    const uint32_t qh = high_bits(x[i].qh);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = (x[i].qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[i].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      isum += lo * y[i].qs[j] + hi * y[i].qs[j + 16];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) +
           fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
  }
  return sum;
}

float dot_q8_0_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_q8_0*>(w);
  const auto* y = static_cast<const block_q8_0*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK8_0; ++i) {
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += x[i].qs[j] * y[i].qs[j];
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

float dot_iq4_nl_scalar(int64_t n, const void* w, const void* xq) {
  const auto* x = static_cast<const block_iq4_nl*>(w);
  const auto* y = static_cast<const block_q8_0*>(xq);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / QK4_NL; ++i) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += kvalues_iq4nl[x[i].qs[j] & 0xF] * y[i].qs[j];
      isum += kvalues_iq4nl[x[i].qs[j] >> 4] * y[i].qs[j + 16];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

}  // namespace mm
}  // namespace tessera
