// Four-lane float/int vectors (GCC/Clang vector extensions) for evaluating
// several scale candidates side by side. Each lane is computed with exactly
// the scalar IEEE float32 operations, so results are bit-identical to a
// one-at-a-time loop; only the independent candidates run in parallel. This
// compiles to SSE2 on x86-64 baseline and NEON on AArch64, no ISA flags needed.
#pragma once
#include <cstdint>
#include <cstring>

namespace tessera {
namespace kquant {

typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));

// nearest_int (round half to even via the 1.5 * 2^23 trick) in every lane.
inline i32x4 nearest_int_x4(f32x4 v) {
  const f32x4 shifted = v + 12582912.0f;
  i32x4 bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

inline i32x4 clamp_x4(i32x4 v, int lo, int hi) {
  const i32x4 vlo = {lo, lo, lo, lo}, vhi = {hi, hi, hi, hi};
  v = v < vlo ? vlo : v;
  return v > vhi ? vhi : v;
}

inline f32x4 to_float_x4(i32x4 v) { return __builtin_convertvector(v, f32x4); }

inline f32x4 abs_x4(f32x4 v) {
  i32x4 bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= 0x7fffffff;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace kquant
}  // namespace tessera
