// The float exp(x - max) both SIMD kernels evaluate, written once per lane
// width through a small set of vector operations (see the *_avx2 / *_avx512
// files). Why it stays within ~2 float ulps of the exact exp(x - max):
//   - x - max is rounded in float, which alone would cost |x - max| ulps of
//     exp; the rounding error e is recovered exactly (TwoSum) and added after
//     the range reduction, where the argument is small.
//   - exp(s) = 2^k * exp(r), k = round(s / ln 2), r = s - k ln 2 with ln 2 in
//     two parts (the first exact in 9 bits, so k * ln2_hi is exact).
//   - exp(r) on |r| <= ln2/2 by its Taylor series to degree 7 (truncation
//     below 1e-8 relative).
// Arguments below kCutoff (exp < 1.7e-38: no weight next to the max's 1)
// give exactly 0, as do -inf entries; NaN propagates.
#pragma once

namespace tessera {
namespace exp_shifted {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kCutoff = -87.0f;
// 1/k! for k = 7 down to 2 (Horner order).
constexpr float kInvFact[] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f};

}  // namespace exp_shifted
}  // namespace tessera
