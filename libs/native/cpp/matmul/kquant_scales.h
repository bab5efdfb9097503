// Decoding of the packed sub-block scales of K-quant super-blocks, shared by
// the scalar and SIMD kernels. Internal linkage on purpose: this header is
// included by files compiled with different ISA flags, and an inline function
// with external linkage could be shared across them by the linker.
#pragma once
#include <cstdint>

namespace tessera {
namespace mm {
namespace {

// Q4_K / Q5_K: eight 6-bit scales and eight 6-bit mins in 12 bytes. Bytes 0-3
// hold scales 0-3 and bytes 4-7 mins 0-3 in their low 6 bits; bytes 8-11 hold
// the low nibbles of scales 4-7 and mins 4-7, whose top two bits sit in the
// spare high bits of bytes 0-7.
inline void unpack_k4_scales(const uint8_t* q, uint8_t* scales, uint8_t* mins) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = q[j] & 63;
    mins[j] = q[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    scales[j] = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    mins[j] = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Q3_K: sixteen 6-bit scales stored with a bias of 32. Low nibbles: bytes 0-7
// (scale j < 8 in the low nibble of byte j, scale j >= 8 in the high nibble of
// byte j - 8); high two bits: bytes 8-11, scale j at byte 8 + j % 4, bit
// position 2 * (j / 4).
inline void unpack_q3k_scales(const uint8_t* q, int8_t* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (q[j] & 0xF) : (q[j - 8] >> 4);
    const int high = (q[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
    scales[j] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
}

// IQ4_XS: eight 6-bit scales (bias 32): low nibbles in scales_l, two high bits
// each in scales_h.
inline int iq4xs_scale(const uint8_t* scales_l, uint16_t scales_h, int ib) {
  const int low = (scales_l[ib / 2] >> (4 * (ib & 1))) & 0xF;
  const int high = (scales_h >> (2 * ib)) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace
}  // namespace mm
}  // namespace tessera
