// Bit placement inside K-quant super-blocks (256 elements): where each
// element's level and each sub-block's scale live in the block bytes. Shared by
// the quantizers and the dequantizers so the two directions cannot disagree.
// Layout facts follow the GGUF format (see blocks.h and §3.2 of the reference
// notes).
#pragma once
#include <cstdint>
#include <cstring>

#include "blocks.h"

namespace tessera {
namespace kquant {

// 2-bit fields, used for Q2_K levels and the low bits of Q3_K levels: within
// each 128-element half, byte l holds elements l, l+32, l+64, l+96 in bit
// pairs 0-1, 2-3, 4-5, 6-7. Levels are expected in [0, 3].
inline void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* src = L + 128 * half;
    uint8_t* dst = qs + 32 * half;
    for (int l = 0; l < 32; ++l) {
      dst[l] = static_cast<uint8_t>(src[l] | (src[l + 32] << 2) | (src[l + 64] << 4) | (src[l + 96] << 6));
    }
  }
}

// Q3_K sub-block scales: sixteen 6-bit codes in 12 bytes. The low nibble of
// code j sits in byte j (j < 8, low half) or byte j-8 (high half); the top two
// bits sit in byte 8 + j%4 at bit 2*(j/4).
inline void pack_q3_scales(const int* codes, uint8_t* out) {
  std::memset(out, 0, 12);
  for (int j = 0; j < 16; ++j) {
    const int c = codes[j];
    if (j < 8) {
      out[j] = static_cast<uint8_t>(out[j] | (c & 0xF));
    } else {
      out[j - 8] = static_cast<uint8_t>(out[j - 8] | ((c & 0xF) << 4));
    }
    out[8 + j % 4] = static_cast<uint8_t>(out[8 + j % 4] | ((c >> 4) << (2 * (j / 4))));
  }
}

inline int q3_scale_code(const uint8_t* s, int j) {
  const int low = j < 8 ? (s[j] & 0xF) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return low | (high << 4);
}

// Q4_K / Q5_K sub-block scales and offsets: eight 6-bit scale codes and eight
// 6-bit offset codes in 12 bytes. Bytes 0-3 hold scales 0-3 (bits 0-5) and the
// top two bits of scales 4-7 (bits 6-7); bytes 4-7 do the same for offsets;
// bytes 8-11 hold the low nibbles of scale 4-7 (low half) and offset 4-7 (high
// half). Inputs are bytes and are combined exactly as the reference does, so
// even out-of-range codes (which the imatrix Q4_K path can produce) give the
// same bytes.
inline void pack_scale_min_k4(const uint8_t* sc, const uint8_t* mn, uint8_t* out) {
  for (int j = 0; j < 4; ++j) {
    out[j] = sc[j];
    out[j + 4] = mn[j];
  }
  for (int j = 4; j < 8; ++j) {
    out[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
    out[j - 4] = static_cast<uint8_t>(out[j - 4] | ((sc[j] >> 4) << 6));
    out[j] = static_cast<uint8_t>(out[j] | ((mn[j] >> 4) << 6));
  }
}

inline void unpack_scale_min_k4(const uint8_t* s, int j, int* sc, int* mn) {
  if (j < 4) {
    *sc = s[j] & 63;
    *mn = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K levels: within each 64-element chunk, byte l holds element l (low
// nibble) and element l+32 (high nibble).
inline void pack_4bit_chunks(const uint8_t* L, uint8_t* qs) {
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + l + 32] << 4));
    }
  }
}

// Q5_K levels: the low nibbles as Q4_K; bit 4 of element 64c+l goes to qh[l]
// bit 2c, and of element 64c+32+l to qh[l] bit 2c+1.
inline void pack_5bit_chunks(const uint8_t* L, uint8_t* qs, uint8_t* qh) {
  std::memset(qh, 0, QK_K / 8);
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      int lo = L[64 * c + l];
      int hi = L[64 * c + l + 32];
      if (lo > 15) {
        lo -= 16;
        qh[l] = static_cast<uint8_t>(qh[l] | (1 << (2 * c)));
      }
      if (hi > 15) {
        hi -= 16;
        qh[l] = static_cast<uint8_t>(qh[l] | (2 << (2 * c)));
      }
      qs[32 * c + l] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

// Q6_K levels (0..63): per 128-element half, ql[l] holds elements l and l+64
// (low/high nibble), ql[l+32] holds l+32 and l+96, and qh[l] holds the top two
// bits of l, l+32, l+64, l+96 in bit pairs 0-1 .. 6-7.
inline void pack_6bit(const uint8_t* L, uint8_t* ql, uint8_t* qh) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* src = L + 128 * half;
    uint8_t* lo = ql + 64 * half;
    uint8_t* hi = qh + 32 * half;
    for (int l = 0; l < 32; ++l) {
      lo[l] = static_cast<uint8_t>((src[l] & 0xF) | ((src[l + 64] & 0xF) << 4));
      lo[l + 32] = static_cast<uint8_t>((src[l + 32] & 0xF) | ((src[l + 96] & 0xF) << 4));
      hi[l] = static_cast<uint8_t>((src[l] >> 4) | ((src[l + 32] >> 4) << 2) | ((src[l + 64] >> 4) << 4) |
                                   ((src[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace kquant
}  // namespace tessera
