// Float/int lane vectors (GCC/Clang vector extensions) for evaluating several
// scale candidates side by side. Each lane is computed with exactly the scalar
// IEEE float32 operations, so results are bit-identical to a one-at-a-time
// loop; only independent candidates run in parallel. The width follows the
// build: 8 lanes where the file is compiled for AVX2 (kquants_avx2.cpp), else
// 4, which compiles to SSE2 on x86-64 baseline and NEON on AArch64.
#pragma once
#include <cstdint>
#include <cstring>

namespace tessera {
namespace kquant {

#ifdef __AVX2__
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif

typedef float f32xN __attribute__((vector_size(4 * kLanes)));
typedef int32_t i32xN __attribute__((vector_size(4 * kLanes)));

// nearest_int (round half to even via the 1.5 * 2^23 trick) in every lane.
inline i32xN nearest_int_xN(f32xN v) {
  const f32xN shifted = v + 12582912.0f;
  i32xN bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

inline i32xN clamp_xN(i32xN v, int lo, int hi) {
  const i32xN vlo = v - v + lo, vhi = v - v + hi;
  v = v < vlo ? vlo : v;
  return v > vhi ? vhi : v;
}

inline f32xN to_float_xN(i32xN v) { return __builtin_convertvector(v, f32xN); }

inline f32xN abs_xN(f32xN v) {
  i32xN bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= 0x7fffffff;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// Lane c holds first + c.
inline f32xN lane_indices(int first) {
  f32xN v;
  for (int c = 0; c < kLanes; ++c) v[c] = static_cast<float>(first + c);
  return v;
}

}  // namespace kquant
}  // namespace tessera
