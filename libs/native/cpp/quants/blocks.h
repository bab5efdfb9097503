// Block layouts of the GGUF tensor types, byte-for-byte as stored in files.
// Every struct is packed by construction (only 1- and 2-byte members after
// the first field, sizes checked below), so a block pointer can be cast over
// mapped file bytes directly.
#pragma once
#include <cstdint>

namespace tessera {

using fp16_t = uint16_t;  // IEEE half, stored as raw bits
using bf16_t = uint16_t;  // bfloat16, stored as raw bits

constexpr int QK4_0 = 32, QK4_1 = 32, QK5_0 = 32, QK5_1 = 32, QK8_0 = 32, QK8_1 = 32;
constexpr int QK4_NL = 32;
constexpr int QK_K = 256;
constexpr int K_SCALE_SIZE = 12;

// ggml_type ids (subset we implement); values are the on-disk ids.
enum class GgmlType : int32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ4_NL = 20, IQ4_XS = 23, BF16 = 30,
};

struct block_q4_0 { fp16_t d; uint8_t qs[QK4_0 / 2]; };
struct block_q4_1 { fp16_t d; fp16_t m; uint8_t qs[QK4_1 / 2]; };
struct block_q5_0 { fp16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; };
struct block_q5_1 { fp16_t d; fp16_t m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; };
struct block_q8_0 { fp16_t d; int8_t qs[QK8_0]; };
struct block_q8_1 { fp16_t d; fp16_t s; int8_t qs[QK8_1]; };

struct block_q2_K { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; fp16_t d; fp16_t dmin; };
struct block_q3_K { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; fp16_t d; };
struct block_q4_K { fp16_t d; fp16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; };
struct block_q5_K { fp16_t d; fp16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; };
struct block_q6_K { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; fp16_t d; };
// Q8_K is an activation format (dot products only); d is float32.
struct block_q8_K { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };

struct block_iq4_nl { fp16_t d; uint8_t qs[QK4_NL / 2]; };
struct block_iq4_xs { fp16_t d; uint16_t scales_h; uint8_t scales_l[QK_K / 64]; uint8_t qs[QK_K / 2]; };

static_assert(sizeof(block_q4_0) == 18, "q4_0 size");
static_assert(sizeof(block_q4_1) == 20, "q4_1 size");
static_assert(sizeof(block_q5_0) == 22, "q5_0 size");
static_assert(sizeof(block_q5_1) == 24, "q5_1 size");
static_assert(sizeof(block_q8_0) == 34, "q8_0 size");
static_assert(sizeof(block_q8_1) == 36, "q8_1 size");
static_assert(sizeof(block_q2_K) == 84, "q2_K size");
static_assert(sizeof(block_q3_K) == 110, "q3_K size");
static_assert(sizeof(block_q4_K) == 144, "q4_K size");
static_assert(sizeof(block_q5_K) == 176, "q5_K size");
static_assert(sizeof(block_q6_K) == 210, "q6_K size");
static_assert(sizeof(block_q8_K) == 292, "q8_K size");
static_assert(sizeof(block_iq4_nl) == 18, "iq4_nl size");
static_assert(sizeof(block_iq4_xs) == 136, "iq4_xs size");

// The non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS.
extern const int8_t kvalues_iq4nl[16];

}  // namespace tessera
