// AVX2 kernels for F32 and F16 weights that round exactly as the reference's
// x86 build with AVX-512 does (on AVX2-only machines too: a 16-lane vector is
// held as two 8-lane halves, and float sums do not care about the register
// width, only about which lanes meet in which order).
//
// The reference has two orders:
//   - one token (its vec_dot): 4 accumulators of 16 lanes over 64-element
//     steps, each updated with a fused multiply-add; then acc0 += acc2,
//     acc1 += acc3, acc0 += acc1, and the 16 lanes reduced as lane i + 8 + i,
//     then i + 4 + i, then (0 + 2) + (1 + 3). Elements past the last full
//     step are added one by one afterwards (in double for F16).
//   - two or more tokens (its sgemm): one accumulator of 16 lanes over
//     16-element steps, reduced with the same tree. It applies when the row
//     length is a multiple of 16 and the row count a multiple of 4.
// F16 activations are fp16 values too (the reference converts them first),
// so every product is exact in float and only the sums round.
#include "matmul/kernels.h"
#include "matmul/x86_common.h"

namespace tessera {
namespace mm {
namespace {

// A 16-lane float accumulator as two halves (lo: lanes 0..7).
struct Lanes16 {
  __m256 lo, hi;
};

inline Lanes16 zero16() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline Lanes16 add16(Lanes16 a, Lanes16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }

inline float reduce16(Lanes16 v) {
  const __m256 a = _mm256_add_ps(v.hi, v.lo);
  const __m128 b = _mm_add_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
  float t[4];
  _mm_storeu_ps(t, b);
  return (t[0] + t[2]) + (t[1] + t[3]);
}

struct F32Row {
  using Elem = float;
  static __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
  static float one(const float* p) { return *p; }
  // The reference adds F32 leftovers to a float sum.
  using Sum = float;
};
struct F16Row {
  using Elem = uint16_t;
  static __m256 load8(const uint16_t* p) { return _mm256_cvtph_ps(load128(p)); }
  static float one(const uint16_t* p) { return half_to_float(*p); }
  // ... and F16 leftovers to a double sum.
  using Sum = double;
};

template <class R>
inline Lanes16 fma16(const typename R::Elem* w, const typename R::Elem* x, Lanes16 acc) {
  return {_mm256_fmadd_ps(R::load8(w), R::load8(x), acc.lo), _mm256_fmadd_ps(R::load8(w + 8), R::load8(x + 8), acc.hi)};
}

// One token, vec_dot order.
template <class R>
float dot_vec_order(int64_t n, const void* wv, const void* xv) {
  const auto* w = static_cast<const typename R::Elem*>(wv);
  const auto* x = static_cast<const typename R::Elem*>(xv);
  Lanes16 acc[4] = {zero16(), zero16(), zero16(), zero16()};
  const int64_t full = n / 64 * 64;
  for (int64_t i = 0; i < full; i += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(w + i) + 1024, _MM_HINT_T0);
    for (int a = 0; a < 4; ++a) acc[a] = fma16<R>(w + i + 16 * a, x + i + 16 * a, acc[a]);
  }
  acc[0] = add16(acc[0], acc[2]);
  acc[1] = add16(acc[1], acc[3]);
  typename R::Sum sum = reduce16(add16(acc[0], acc[1]));
  for (int64_t i = full; i < n; ++i) {
    const float p = R::one(w + i) * R::one(x + i);
    sum += p;
  }
  return static_cast<float>(sum);
}

template <class R>
void tile_vec_order(int64_t n, const uint8_t* w, size_t w_stride, int64_t nrows, const uint8_t* xq,
                    size_t xq_stride, int64_t ntok, float* y, int64_t y_stride) {
  for (int64_t r = 0; r < nrows; ++r)
    for (int64_t t = 0; t < ntok; ++t)
      y[t * y_stride + r] = dot_vec_order<R>(n, w + r * w_stride, xq + t * xq_stride);
}

// Up to 4 tokens per weight row, sgemm order (n is a multiple of 16).
template <class R>
struct GemmOrder {
  template <int T>
  static void dots(int64_t n, const uint8_t* wv, const uint8_t* const* xrows, float* out) {
    const auto* w = reinterpret_cast<const typename R::Elem*>(wv);
    const typename R::Elem* x[T];
    Lanes16 acc[T];
    for (int t = 0; t < T; ++t) {
      x[t] = reinterpret_cast<const typename R::Elem*>(xrows[t]);
      acc[t] = zero16();
    }
    for (int64_t i = 0; i < n; i += 16)
      for (int t = 0; t < T; ++t) acc[t] = fma16<R>(w + i, x[t] + i, acc[t]);
    for (int t = 0; t < T; ++t) out[t] = reduce16(acc[t]);
  }
};

template <class R>
Kernel reference_float_kernel() {
  Kernel k;
  k.dot = dot_vec_order<R>;
  k.tile = tile_vec_order<R>;
  k.tile_batch = tile_multi<GemmOrder<R>, 4>;
  k.batch_block = 16;
  return k;
}

}  // namespace

Kernel avx2_float_kernel(GgmlType wtype) {
  switch (wtype) {
    case GgmlType::F32: return reference_float_kernel<F32Row>();
    case GgmlType::F16: return reference_float_kernel<F16Row>();
    default: return {};
  }
}

}  // namespace mm
}  // namespace tessera
