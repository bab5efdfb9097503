// Matrix-vector / matrix-matrix products over GGUF weight types, computed the
// way the reference CPU backend does so results agree with it:
//   1. activations (float) are quantized once per row to the weight type's
//      "vec_dot type" (Q8_0, Q8_1, Q8_K, F16, BF16 or F32), then
//   2. each output is a block-by-block dot product of a weight row with a
//      quantized activation row: integer sums scaled by the block scales,
//      accumulated in float.
// The fastest path for this CPU (scalar, AVX2 or AVX-512) is chosen at run time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include "quants/blocks.h"

namespace tessera {

// A row-major weight matrix as stored in a GGUF tensor: `rows` rows of `cols`
// elements, each row `row_bytes` bytes (cols / block_size * bytes_per_block).
struct WeightView {
  GgmlType type;
  const void* data;
  int64_t rows;
  int64_t cols;
  size_t row_bytes;
  // Optional row-interleaved copy made by pack_weights (see below); when set,
  // the AVX-512 kernels read it instead of `data`.
  const void* packed = nullptr;
};

// True when matmul_rows / vec_dot accept this weight type.
bool matmul_supports(GgmlType wtype);

// The activation format dot products with `wtype` weights consume.
GgmlType vec_dot_type(GgmlType wtype);

// Bytes one quantized activation row of `cols` elements takes for `wtype`.
// `cols` must be a multiple of the weight type's block size.
size_t activation_row_bytes(GgmlType wtype, int64_t cols);

// Quantizes one activation row of `cols` floats into `xq`
// (activation_row_bytes(wtype, cols) bytes).
void quantize_activations(GgmlType wtype, const float* x, void* xq, int64_t cols);

// How the reference CPU backend (on this machine class) rounds one token's
// products: it picks its kernel, and so its float summation order, by the
// size of the batch the token came in and the token's place in it.
//   Alone: a batch of one token (vec_dot; the repacked types' gemv).
//   Batched: a batch of 2 or more, past its last full group of 4 (sgemm for
//     F32 / F16, which sums in another order than vec_dot; still the gemv
//     for repacked Q4_K / Q2_K).
//   BatchedQuad: a batch of 2 or more, in a full group of 4 from its start
//     (sgemm; the gemm for Q4_K / Q2_K, which rounds per 64 / 128 elements
//     where the gemv rounds per 256).
// Other types round the same way in all three.
enum class TokenRounding : uint8_t { Alone, Batched, BatchedQuad };

// The roundings of the n tokens of one batch, in order, into out[0 .. n).
void reference_rounding(int64_t n, TokenRounding* out);

// y[t * y_stride + r] = dot(weight row r, activation row t) for r in
// [row_begin, row_end) and t in [0, n_tokens). Activation row t starts at
// (const char*)xq + t * xq_stride. Thread-safe: a thread pool calls it with
// disjoint row ranges. Several tokens share each pass over the weights.
// `rounding` (n_tokens entries) says how each token rounds; nullptr: every
// token Alone, so a token's result never depends on the batch.
void matmul_rows(const WeightView& w, const void* xq, int64_t n_tokens, size_t xq_stride,
                 float* y, int64_t y_stride, int64_t row_begin, int64_t row_end,
                 const TokenRounding* rounding = nullptr);

// One dot product of a weight row (n elements of `wtype`) with a quantized
// activation row.
float vec_dot(GgmlType wtype, int64_t n, const void* wrow, const void* xq_row);

// Packing: the AVX-512 kernels of every quantized type are up to 1.5x (one
// token, streaming from memory) and 4x (many tokens) faster on weights stored
// with 8 rows interleaved (one vector op then serves 8 rows). Optional:
// packed_weights_bytes(w) == 0 means no packed kernel for this type on this
// CPU (use `data` as is). Otherwise allocate that many bytes (64-byte aligned
// is best), call pack_weights once at load time and set w.packed. Results may
// differ from the unpacked path in the last bits (another float summation
// order), but never depend on how rows are split between threads.
size_t packed_weights_bytes(const WeightView& w);
void pack_weights(const WeightView& w, void* dst);

// Owns the packed copy of one weight matrix. view() is what to pass to
// matmul_rows: `w` with .packed set where packing applies, else `w` as is.
//   PackedWeights p(w);  ...  matmul_rows(p.view(), ...);
class PackedWeights {
 public:
  PackedWeights() = default;
  explicit PackedWeights(const WeightView& w);
  const WeightView& view() const { return view_; }
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  WeightView view_{};
  size_t bytes_ = 0;
  std::unique_ptr<uint8_t, Free> data_;
};

// Row of any supported weight type -> floats (embedding lookups).
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);

// Which implementation dispatch uses. Tests force Scalar to compare paths.
enum class MatmulPath : int { Auto = 0, Scalar = 1, Avx2 = 2, Avx512 = 3 };
// Sets the path for the whole process (tests only); returns the previous one.
MatmulPath set_matmul_path(MatmulPath path);
// The path Auto resolves to on this CPU.
MatmulPath best_matmul_path();

}  // namespace tessera
