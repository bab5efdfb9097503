// Dispatch: picks the kernel for a weight type on the selected instruction
// set, and splits a product into cache-sized tiles.
#include "matmul/matmul.h"

#include <algorithm>
#include <atomic>
#include <new>
#include <vector>

#include "cpu_features.h"
#include "matmul/kernels.h"
#include "matmul/scalar_dots.h"
#include "quants/kernel_table.h"

namespace tessera {
namespace mm {

TypeShape type_shape(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return {1, 4};
    case GgmlType::F16: return {1, 2};
    case GgmlType::BF16: return {1, 2};
    case GgmlType::Q4_0: return {QK4_0, sizeof(block_q4_0)};
    case GgmlType::Q4_1: return {QK4_1, sizeof(block_q4_1)};
    case GgmlType::Q5_0: return {QK5_0, sizeof(block_q5_0)};
    case GgmlType::Q5_1: return {QK5_1, sizeof(block_q5_1)};
    case GgmlType::Q8_0: return {QK8_0, sizeof(block_q8_0)};
    case GgmlType::Q8_1: return {QK8_1, sizeof(block_q8_1)};
    case GgmlType::Q2_K: return {QK_K, sizeof(block_q2_K)};
    case GgmlType::Q3_K: return {QK_K, sizeof(block_q3_K)};
    case GgmlType::Q4_K: return {QK_K, sizeof(block_q4_K)};
    case GgmlType::Q5_K: return {QK_K, sizeof(block_q5_K)};
    case GgmlType::Q6_K: return {QK_K, sizeof(block_q6_K)};
    case GgmlType::Q8_K: return {QK_K, sizeof(block_q8_K)};
    case GgmlType::IQ4_NL: return {QK4_NL, sizeof(block_iq4_nl)};
    case GgmlType::IQ4_XS: return {QK_K, sizeof(block_iq4_xs)};
    default: return {};
  }
}

Kernel scalar_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::F32: return {dot_f32_scalar, tile_by_dots<dot_f32_scalar>};
    case GgmlType::F16: return {dot_f16_scalar, tile_by_dots<dot_f16_scalar>};
    case GgmlType::BF16: return {dot_bf16_scalar, tile_by_dots<dot_bf16_scalar>};
    case GgmlType::Q4_0: return {dot_q4_0_scalar, tile_by_dots<dot_q4_0_scalar>};
    case GgmlType::Q4_1: return {dot_q4_1_scalar, tile_by_dots<dot_q4_1_scalar>};
    case GgmlType::Q5_0: return {dot_q5_0_scalar, tile_by_dots<dot_q5_0_scalar>};
    case GgmlType::Q5_1: return {dot_q5_1_scalar, tile_by_dots<dot_q5_1_scalar>};
    case GgmlType::Q8_0: return {dot_q8_0_scalar, tile_by_dots<dot_q8_0_scalar>};
    case GgmlType::IQ4_NL: return {dot_iq4_nl_scalar, tile_by_dots<dot_iq4_nl_scalar>};
    case GgmlType::Q2_K: return {dot_q2_K_scalar, tile_by_dots<dot_q2_K_scalar>};
    case GgmlType::Q3_K: return {dot_q3_K_scalar, tile_by_dots<dot_q3_K_scalar>};
    case GgmlType::Q4_K: return {dot_q4_K_scalar, tile_by_dots<dot_q4_K_scalar>};
    case GgmlType::Q5_K: return {dot_q5_K_scalar, tile_by_dots<dot_q5_K_scalar>};
    case GgmlType::Q6_K: return {dot_q6_K_scalar, tile_by_dots<dot_q6_K_scalar>};
    case GgmlType::IQ4_XS: return {dot_iq4_xs_scalar, tile_by_dots<dot_iq4_xs_scalar>};
    default: return {};
  }
}

namespace {

MatmulPath detect_best_path() {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  // The AVX-512 kernels also use VNNI (vpdpbusd), which cpu_features() does
  // not report; libgcc's check includes the OS's register-state support.
  __builtin_cpu_init();
  const bool vnni = __builtin_cpu_supports("avx512vnni");
  if (avx2 && f.avx512f && f.avx512bw && f.avx512vl && vnni) return MatmulPath::Avx512;
  if (avx2) return MatmulPath::Avx2;
  return MatmulPath::Scalar;
}

std::atomic<int> g_forced_path{static_cast<int>(MatmulPath::Auto)};

MatmulPath active_path() {
  static const MatmulPath best = detect_best_path();
  // The process-wide switch of all kernels (setKernelPath('scalar')) wins.
  if (kernel_path() == KernelPath::Scalar) return MatmulPath::Scalar;
  const auto forced = static_cast<MatmulPath>(g_forced_path.load(std::memory_order_relaxed));
  if (forced == MatmulPath::Auto) return best;
  // Never run an instruction set the CPU lacks, whatever a test asked for.
  return static_cast<int>(forced) <= static_cast<int>(best) ? forced : best;
}

// The best kernel at or below the active path: a type without an AVX-512
// kernel uses its AVX2 one, and so on down to scalar.
Kernel select_kernel(GgmlType wtype) {
  const MatmulPath path = active_path();
  if (path == MatmulPath::Avx512) {
    const Kernel k = avx512_kernel(wtype);
    if (k.dot) return k;
  }
  if (path == MatmulPath::Avx512 || path == MatmulPath::Avx2) {
    const Kernel k = avx2_kernel(wtype);
    if (k.dot) return k;
  }
  return scalar_kernel(wtype);
}

}  // namespace
}  // namespace mm

MatmulPath set_matmul_path(MatmulPath path) {
  return static_cast<MatmulPath>(
      mm::g_forced_path.exchange(static_cast<int>(path), std::memory_order_relaxed));
}

MatmulPath best_matmul_path() { return mm::active_path(); }

namespace {
// The packed kernel for `w`, when the active path runs AVX-512 and has one.
mm::PackedKernel packed_kernel_for(const WeightView& w) {
  if (mm::active_path() != MatmulPath::Avx512) return {};
  const int64_t block = mm::type_shape(w.type).block;
  if (block == 0 || w.cols / block > mm::avx512_packed_max_blocks()) return {};
  return mm::avx512_packed_kernel(w.type);
}
}  // namespace

size_t packed_weights_bytes(const WeightView& w) {
  const mm::PackedKernel k = packed_kernel_for(w);
  if (!k.run) return 0;
  const int64_t groups = (w.rows + k.group_rows - 1) / k.group_rows;
  return static_cast<size_t>(groups * (w.cols / mm::type_shape(w.type).block)) * k.group_bytes;
}

void pack_weights(const WeightView& w, void* dst) {
  const mm::PackedKernel k = packed_kernel_for(w);
  if (!k.pack) return;
  k.pack(static_cast<const uint8_t*>(w.data), w.row_bytes, w.rows,
         w.cols / mm::type_shape(w.type).block, static_cast<uint8_t*>(dst));
}

void PackedWeights::Free::operator()(uint8_t* p) const {
  ::operator delete[](p, std::align_val_t(64));
}

PackedWeights::PackedWeights(const WeightView& w) : view_(w), bytes_(packed_weights_bytes(w)) {
  if (bytes_ == 0) return;
  data_.reset(static_cast<uint8_t*>(::operator new[](bytes_, std::align_val_t(64))));
  pack_weights(w, data_.get());
  view_.packed = data_.get();
}

bool matmul_supports(GgmlType wtype) { return mm::scalar_kernel(wtype).dot != nullptr; }

float vec_dot(GgmlType wtype, int64_t n, const void* wrow, const void* xq_row) {
  return mm::select_kernel(wtype).dot(n, wrow, xq_row);
}

void reference_rounding(int64_t n, TokenRounding* out) {
  const int64_t quads = n >= 2 ? n - n % 4 : 0;
  for (int64_t t = 0; t < n; ++t) {
    out[t] = n < 2 ? TokenRounding::Alone : t < quads ? TokenRounding::BatchedQuad : TokenRounding::Batched;
  }
}

namespace {

// Token lists of one call: BatchedQuad tokens and the rest, for the packed
// kernels (which take each list in passes of up to 4 tokens).
struct TokenSplit {
  std::vector<int32_t> quad, other;
};

void run_packed_panels(const mm::PackedKernel& pk, const WeightView& w, const void* xq, size_t xq_stride,
                       const int32_t* tokens, int64_t ntok, bool quad, float* y, int64_t y_stride,
                       int64_t row_begin, int64_t row_end) {
  if (ntok == 0) return;
  const int64_t nb = w.cols / mm::type_shape(w.type).block;
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const auto* x = static_cast<const uint8_t*>(xq);
  if (ntok == 1 || pk.panels_inside) {  // one token uses each weight byte once: no blocking
    pk.run(packed, nb, x, xq_stride, tokens, ntok, quad, y, y_stride, row_begin, row_end);
    return;
  }
  // Row panels small enough to stay in L1/L2 while every token's activations
  // stream past them, aligned to the groups.
  const int64_t group_bytes = nb * static_cast<int64_t>(pk.group_bytes);
  const int64_t panel_rows = std::max<int64_t>(1, 16 * 1024 / group_bytes) * pk.group_rows;
  for (int64_t r0 = row_begin; r0 < row_end;) {
    const int64_t r1 = std::min(row_end, (r0 / pk.group_rows) * pk.group_rows + panel_rows);
    pk.run(packed, nb, x, xq_stride, tokens, ntok, quad, y, y_stride, r0, r1);
    r0 = r1;
  }
}

// Tokens [t0, t1) through one tile function, in row panels.
void run_tiles(mm::TileFn tile, const WeightView& w, const uint8_t* xq, size_t xq_stride, int64_t t0, int64_t t1,
               float* y, int64_t y_stride, int64_t row_begin, int64_t row_end) {
  const int64_t ntok = t1 - t0;
  const auto* wbytes = static_cast<const uint8_t*>(w.data);
  // With many tokens, walk the weights in row panels small enough to stay in
  // L1/L2 while every token's activations stream past them; one token needs
  // no blocking (each weight byte is used once).
  const int64_t panel_bytes = 16 * 1024;
  const int64_t panel_rows =
      ntok == 1 ? (row_end - row_begin)
                : std::max<int64_t>(4, panel_bytes / static_cast<int64_t>(w.row_bytes) / 4 * 4);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += panel_rows) {
    const int64_t nrows = std::min(panel_rows, row_end - r0);
    tile(w.cols, wbytes + r0 * static_cast<int64_t>(w.row_bytes), w.row_bytes, nrows, xq + t0 * xq_stride,
         xq_stride, ntok, y + t0 * y_stride + r0, y_stride);
  }
}

}  // namespace

void matmul_rows(const WeightView& w, const void* xq, int64_t n_tokens, size_t xq_stride,
                 float* y, int64_t y_stride, int64_t row_begin, int64_t row_end,
                 const TokenRounding* rounding) {
  if (w.packed) {
    const mm::PackedKernel pk = packed_kernel_for(w);
    if (pk.run) {
      bool any_quad = false;
      for (int64_t t = 0; rounding && t < n_tokens && !any_quad; ++t) any_quad = rounding[t] == TokenRounding::BatchedQuad;
      if (!any_quad) {
        run_packed_panels(pk, w, xq, xq_stride, nullptr, n_tokens, false, y, y_stride, row_begin, row_end);
        return;
      }
      static thread_local TokenSplit split;
      split.quad.clear();
      split.other.clear();
      for (int64_t t = 0; t < n_tokens; ++t) {
        (rounding[t] == TokenRounding::BatchedQuad ? split.quad : split.other).push_back(static_cast<int32_t>(t));
      }
      run_packed_panels(pk, w, xq, xq_stride, split.quad.data(), static_cast<int64_t>(split.quad.size()), true, y,
                        y_stride, row_begin, row_end);
      run_packed_panels(pk, w, xq, xq_stride, split.other.data(), static_cast<int64_t>(split.other.size()), false,
                        y, y_stride, row_begin, row_end);
      return;
    }
  }
  const mm::Kernel k = mm::select_kernel(w.type);
  const auto* x = static_cast<const uint8_t*>(xq);
  const bool has_batch_kernel = k.tile_batch && w.cols % k.batch_block == 0 && w.rows % 4 == 0;
  if (!rounding || !has_batch_kernel) {
    run_tiles(k.tile, w, x, xq_stride, 0, n_tokens, y, y_stride, row_begin, row_end);
    return;
  }
  // Runs of consecutive tokens that use the same kernel.
  for (int64_t t0 = 0; t0 < n_tokens;) {
    const bool batched = rounding[t0] != TokenRounding::Alone;
    int64_t t1 = t0 + 1;
    while (t1 < n_tokens && (rounding[t1] != TokenRounding::Alone) == batched) ++t1;
    run_tiles(batched ? k.tile_batch : k.tile, w, x, xq_stride, t0, t1, y, y_stride, row_begin, row_end);
    t0 = t1;
  }
}

}  // namespace tessera
