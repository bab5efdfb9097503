// The K-quant kernels compiled a second time, with AVX2 code generation. The
// code is the same (the sources are included below), so the bytes are the
// same: the build keeps IEEE float32 order and forbids FMA contraction for
// every file (-ffp-contract=off), and only independent work (the candidate
// scales of the sub-block fits, laid out as arrays and vector lanes) goes
// into the wider registers (8 candidate lanes instead of 4 in the asymmetric
// fit). Measured on a Xeon at -O3: Q4_K ~1.5x, Q2_K ~1.4x, Q6_K and Q5_K
// ~1.3x; Q3_K gains nothing and keeps the baseline kernel.
// Blocks with NaN inputs take the baseline kernels (see quantize_nan_safe).
//
// The sources are included inside a private namespace on purpose: their
// inline helpers and templates then get symbols of their own. Sharing them
// with the baseline build would let the linker keep one copy of each, maybe
// this AVX2 one, for callers on CPUs without AVX2.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "simd_kernels.h"

namespace tessera_kquants_avx2 {
#include "kquants.cpp"
#include "kquants_q2.cpp"
#include "kquants_q3.cpp"
#include "kquants_q4_q5.cpp"
#include "kquants_q6.cpp"
}  // namespace tessera_kquants_avx2

namespace tessera {

// The baseline kernels (declared in quants.h, whose include guard was spent
// inside the namespace above).
size_t quantize_q2_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q4_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q5_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
size_t quantize_q6_K(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);

namespace {

namespace wide = tessera_kquants_avx2::tessera;
using QuantizeRows = size_t (*)(const float*, void*, int64_t, int64_t, const float*);
constexpr int64_t kBlock = 256;

bool has_nan(const float* x, int64_t n) {
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) nan |= x[i] != x[i];
  return nan;
}

// Super-block by super-block: the wide build, except where the block or its
// importance weights hold a NaN. Vector code may swap the operands of a
// commutative operation, and x86 then passes on the other operand's NaN
// payload; without NaN inputs every NaN that arises is the same default NaN,
// so operand order cannot show in the bytes.
size_t quantize_nan_safe(QuantizeRows wide_kernel, QuantizeRows baseline, size_t block_bytes, const float* src,
                         void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  uint8_t* out = static_cast<uint8_t*>(dst);
  const int64_t nblocks = nrows * (n_per_row / kBlock);
  for (int64_t b = 0; b < nblocks; ++b) {
    const float* x = src + b * kBlock;
    const float* qw = imatrix ? imatrix + (b * kBlock) % n_per_row : nullptr;
    const bool exact_needs_baseline = has_nan(x, kBlock) || (qw && has_nan(qw, kBlock));
    (exact_needs_baseline ? baseline : wide_kernel)(x, out + b * block_bytes, 1, kBlock, qw);
  }
  return static_cast<size_t>(nblocks) * block_bytes;
}

}  // namespace

size_t quantize_q2_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_nan_safe(wide::quantize_q2_K, quantize_q2_K, sizeof(wide::block_q2_K), src, dst, nrows, n_per_row,
                           imatrix);
}

size_t quantize_q4_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_nan_safe(wide::quantize_q4_K, quantize_q4_K, sizeof(wide::block_q4_K), src, dst, nrows, n_per_row,
                           imatrix);
}

size_t quantize_q5_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_nan_safe(wide::quantize_q5_K, quantize_q5_K, sizeof(wide::block_q5_K), src, dst, nrows, n_per_row,
                           imatrix);
}

size_t quantize_q6_K_avx2(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix) {
  return quantize_nan_safe(wide::quantize_q6_K, quantize_q6_K, sizeof(wide::block_q6_K), src, dst, nrows, n_per_row,
                           imatrix);
}

}  // namespace tessera
