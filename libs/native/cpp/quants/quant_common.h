// Numeric primitives every quantizer shares. They must reproduce the reference
// implementation bit for bit (see §0 of the reference notes), so each one is
// written against IEEE float32 semantics and compiled with -ffp-contract=off.
//
// The helpers are `static inline` on purpose: this header is also included by
// *_avx2 / *_avx512 files, and with external linkage the linker could keep
// one of those AVX-compiled copies for every caller, scalar paths included,
// which would crash on a CPU without AVX.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tessera {

// Below this magnitude a block is treated as all zeros (the reference's
// GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

static inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

static inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Round to the nearest integer, ties to even, for |x| <= 4194303.
// Adding 1.5 * 2^23 pushes the fraction out of the float's mantissa, so the
// float adder does the rounding (in the default round-to-nearest-even mode)
// and the integer is left in the low 22 mantissa bits, offset by 2^22.
static inline int nearest_int(float x) {
  const float shifted = x + 12582912.0f;
  const int32_t bits = static_cast<int32_t>(float_bits(shifted));
  return (bits & 0x007fffff) - 0x00400000;
}

// IEEE half -> float. Every half is exactly representable as a float.
static inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) {  // inf, or NaN: payload kept, quiet bit set as arithmetic would
    return bits_float(sign | 0x7f800000u | (mant ? (mant << 13) | 0x400000u : 0u));
  }
  if (exp != 0) {  // normal: rebias 15 -> 127
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  }
  if (mant == 0) return bits_float(sign);
  // Subnormal half: value = mant * 2^-24, exact in float.
  const float magnitude = static_cast<float>(mant) * 5.9604644775390625e-08f;
  return bits_float(sign | float_bits(magnitude));
}

// float -> IEEE half with round-to-nearest-even; subnormals kept, overflow to
// +-inf, every NaN becomes the quiet NaN 0x7e00 with the sign kept (this is
// what the reference's software conversion produces, and it differs from
// hardware F16C only in that NaN case).
static inline uint16_t fp32_to_fp16(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
  if (abs >= 0x38800000u) {
    // Normal half range (>= 2^-14): rebias the exponent, then round the 13
    // dropped mantissa bits to nearest even. A carry out of the mantissa
    // correctly bumps the exponent.
    const uint32_t rebased = abs - (112u << 23);
    const uint32_t lsb = (rebased >> 13) & 1u;
    return sign | static_cast<uint16_t>((rebased + 0x0fffu + lsb) >> 13);
  }
  if (abs < 0x33000000u) return sign;  // below half of the smallest subnormal (2^-25): zero
  // Subnormal half: value = m * 2^-24 with m in [0, 1024]. Shift the full
  // 24-bit significand into place and round to nearest even by hand.
  const uint32_t exp = abs >> 23;                   // 102 .. 112
  const uint32_t significand = (abs & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126u - exp;                // 14 .. 24
  const uint32_t kept = significand >> shift;
  const uint32_t rest = significand & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  const uint32_t rounded = kept + ((rest > half || (rest == half && (kept & 1u))) ? 1u : 0u);
  return sign | static_cast<uint16_t>(rounded);
}

// bfloat16 is the top half of a float.
static inline float bf16_to_fp32(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

// float -> bfloat16 with round-to-nearest-even; NaN is kept but forced quiet.
static inline uint16_t fp32_to_bf16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace tessera

namespace tessera {

// Index of the entry of a strictly ascending table closest to x; an exact
// midpoint goes to the upper entry (the lower one wins only when strictly
// closer); x below the table gives 0, above it n - 1, NaN gives n - 1.
// Counting the entries not above x finds the bracketing pair without data-
// dependent branches (a binary search here mispredicts on almost every
// step); the result equals a bisection's, NaN included, because "not
// (x < v)" is true for NaN just as a bisection's comparisons steer it to
// the top.
template <typename Value>
static inline int nearest_table_index(const Value* values, int n, float x) {
  int lo = 0;  // values[lo] <= x < values[lo + 1], clamped to [0, n - 2]
  for (int i = 1; i < n - 1; ++i) lo += !(x < values[i]);
  return (x - values[lo] < values[lo + 1] - x) ? lo : lo + 1;
}

}  // namespace tessera
