// Scale searches used by the K-quant block quantizers.
//
// Each routine maps a small group of floats (a 16- or 32-element sub-block, or
// the 8/16 sub-block scales of a super-block) to integer levels plus a scale.
// They are the algorithms of the reference quantizer, re-expressed; the output
// bytes only match the reference if every float32 operation happens in the
// same order with the same operands, so expressions here are written out step
// by step and must not be "simplified" (no reassociation, no hoisted
// reciprocals, no fused multiply-add: the addon builds with -ffp-contract=off).
//
// The group size and level count are template parameters: the loops then have
// fixed trip counts, which lets the compiler unroll them without changing the
// order of any floating-point accumulation.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kquants_lanes.h"
#include "quant_common.h"

namespace tessera {
namespace kquant {

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// The value of largest magnitude, with its sign (the first one wins ties).
// Returns its magnitude through *amax_out.
template <int N>
inline float signed_absmax(const float* x, float* amax_out) {
  float amax = 0.f, max = 0.f;
  for (int i = 0; i < N; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  *amax_out = amax;
  return max;
}

// Symmetric fit with weights w: levels l in [-NMAX, NMAX-1], stored as
// L[i] = l + NMAX, value ~= scale * l. Candidate 0 maps the extreme value onto
// -NMAX; candidates 1..18 try (NMAX + 0.1*step) for step = -9..9 (skipping 0).
// Scanning in that order, a candidate replaces the current one when it
// increases (sum w*x*l)^2 / (sum w*l^2), i.e. lowers the weighted error of its
// least-squares scale. An all-zero group gives L = 0 (not NMAX) and scale 0.
//
// A candidate's sums do not depend on which earlier candidate won, so all of
// them are accumulated together (each in element order, as the reference does
// one at a time), which turns 19 serial addition chains into vector lanes.
template <int N, int NMAX>
inline float fit_symmetric(const float* x, const float* w, int8_t* L) {
  float amax;
  const float max = signed_absmax<N>(x, &amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, N);
    return 0.f;
  }
  constexpr int kCand = 20;  // 19 candidates plus one padding lane
  float inv[kCand];
  inv[0] = static_cast<float>(-NMAX) / max;
  for (int c = 1; c < kCand; ++c) {
    const int step = c <= 9 ? c - 10 : c - 9;  // -9..-1, then 1..10 (10 is padding)
    inv[c] = -(static_cast<float>(NMAX) + 0.1f * static_cast<float>(step)) / max;
  }
  float sumlx[kCand] = {}, suml2[kCand] = {};
  for (int i = 0; i < N; ++i) {
    const float wx = w[i] * x[i];
    for (int c = 0; c < kCand; ++c) {
      const float fl = static_cast<float>(clamp_int(nearest_int(inv[c] * x[i]), -NMAX, NMAX - 1));
      sumlx[c] += wx * fl;
      suml2[c] += w[i] * fl * fl;
    }
  }
  float scale = suml2[0] != 0.f ? sumlx[0] / suml2[0] : 0.f;
  float best = scale * sumlx[0];
  int chosen = 0;
  for (int c = 1; c < kCand - 1; ++c) {
    if (suml2[c] > 0.f && sumlx[c] * sumlx[c] > best * suml2[c]) {
      scale = sumlx[c] / suml2[c];
      best = scale * sumlx[c];
      chosen = c;
    }
  }
  for (int i = 0; i < N; ++i) {
    L[i] = static_cast<int8_t>(clamp_int(nearest_int(inv[chosen] * x[i]), -NMAX, NMAX - 1) + NMAX);
  }
  return scale;
}

// Symmetric fit with weights x^2 refined by coordinate descent (Q3_K without
// an importance matrix): after the initial rounding, each level is moved to
// the value that is optimal for the others' least-squares scale whenever that
// strictly improves the fit; at most five sweeps. Levels are stored as
// l + NMAX; an all-zero group gives L = 0 and scale 0.
template <int N, int NMAX>
inline float fit_symmetric_descent(const float* x, int8_t* L) {
  float amax;
  const float max = signed_absmax<N>(x, &amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, N);
    return 0.f;
  }
  const float inv = static_cast<float>(-NMAX) / max;
  float w[N], wx[N];  // wx = w*x: the first product of every w*x*l below
  int lv[N];
  float sumlx = 0.f, suml2 = 0.f;
  for (int i = 0; i < N; ++i) {
    lv[i] = clamp_int(nearest_int(inv * x[i]), -NMAX, NMAX - 1);
    w[i] = x[i] * x[i];
    wx[i] = w[i] * x[i];
    const float fl = static_cast<float>(lv[i]);
    sumlx += wx[i] * fl;
    suml2 += w[i] * fl * fl;
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    bool changed = false;
    for (int i = 0; i < N; ++i) {
      const float cur = static_cast<float>(lv[i]);
      float slx = sumlx - wx[i] * cur;
      if (!(slx > 0.f)) continue;
      float sl2 = suml2 - w[i] * cur * cur;
      const int next = clamp_int(nearest_int(x[i] * sl2 / slx), -NMAX, NMAX - 1);
      if (next == lv[i]) continue;
      const float fn = static_cast<float>(next);
      slx += wx[i] * fn;
      sl2 += w[i] * fn * fn;
      if (sl2 > 0.f && slx * slx * suml2 > sumlx * sumlx * sl2) {
        lv[i] = next;
        sumlx = slx;
        suml2 = sl2;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < N; ++i) L[i] = static_cast<int8_t>(lv[i] + NMAX);
  return suml2 > 0.f ? sumlx / suml2 : 0.f;
}

// Asymmetric fit: levels in [0, NMAX] with an offset, x ~= scale * L - neg_min
// where neg_min >= 0. Starts from the plain min/max mapping, then tries
// nstep + 1 level counts (NMAX + rmin + rdelta * step over the current range),
// solving weighted least squares for scale and offset each time and keeping
// the candidate with the smallest weighted error (absolute when MAD, squared
// otherwise). An accepted candidate's offset becomes the origin of the later
// candidates' range, exactly as in the reference.
//
// Speed: a candidate depends on earlier ones only through that origin, so
// candidates are evaluated kLanes at a time for the current origin (each sum
// still accumulated in element order, one vector lane per candidate) and then
// scanned in order; after an acceptance, the candidates that follow it are
// evaluated again from the new origin. About 2.7 of 21 candidates are accepted
// on typical data, so most are evaluated once, in parallel lanes instead of
// serial addition chains.
template <int N, int NMAX, bool MAD>
inline float fit_asymmetric(const float* x, const float* w, uint8_t* L, float* neg_min, float rmin,
                            float rdelta, int nstep) {
  float lo = x[0], hi = x[0];
  float sum_w = w[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < N; ++i) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (lo > 0.f) lo = 0.f;
  if (hi <= lo) {  // constant non-positive group (the two reference variants agree here)
    std::memset(L, 0, N);
    *neg_min = -lo;
    return 0.f;
  }
  float inv0 = static_cast<float>(NMAX) / (hi - lo);
  float scale = 1.f / inv0;
  float best_err = 0.f;
  for (int i = 0; i < N; ++i) {
    const int l = clamp_int(nearest_int(inv0 * (x[i] - lo)), 0, NMAX);
    L[i] = static_cast<uint8_t>(l);
    float diff = scale * static_cast<float>(l) + lo - x[i];
    diff = MAD ? std::fabs(diff) : diff * diff;
    best_err += w[i] * diff;
  }
  int first = 0;
  while (first <= nstep) {
    // kLanes candidates, one per lane: first, first + 1, ... for the current origin.
    const f32xN inv = (rmin + rdelta * lane_indices(first) + static_cast<float>(NMAX)) / (hi - lo);
    f32xN levels[N];  // each candidate's levels, kept for the error pass
    f32xN sum_l = {}, sum_l2 = {}, sum_xl = {};
    for (int i = 0; i < N; ++i) {
      const f32xN fl = to_float_xN(clamp_xN(nearest_int_xN(inv * (x[i] - lo)), 0, NMAX));
      levels[i] = fl;
      const f32xN wl = w[i] * fl;
      sum_l += wl;
      sum_l2 += wl * fl;
      sum_xl += wl * x[i];
    }
    const f32xN det = sum_w * sum_l2 - sum_l * sum_l;
    f32xN cand_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    f32xN cand_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    // Offsets are never positive: where the fit says otherwise, refit the
    // scale alone with a zero offset.
    const f32xN zero = {};
    const auto positive = cand_min > zero;
    cand_scale = positive ? sum_xl / sum_l2 : cand_scale;
    cand_min = positive ? zero : cand_min;
    f32xN err = {};
    for (int i = 0; i < N; ++i) {
      f32xN diff = cand_scale * levels[i] + cand_min - x[i];
      diff = MAD ? abs_xN(diff) : diff * diff;
      err += w[i] * diff;
    }
    int next = first + kLanes;
    for (int c = 0; c < kLanes && first + c <= nstep; ++c) {
      if (det[c] > 0.f && err[c] < best_err) {
        for (int i = 0; i < N; ++i) L[i] = static_cast<uint8_t>(levels[i][c]);
        best_err = err[c];
        scale = cand_scale[c];
        lo = cand_min[c];
        next = first + c + 1;  // later candidates depend on the new origin: redo them
        break;
      }
    }
    first = next;
  }
  *neg_min = -lo;
  return scale;
}

// Fit for non-negative values (the sub-block scales or offsets of a
// super-block, imatrix paths): levels in [0, NMAX] (upper clamp only), scale
// chosen among 9 candidates by weighted squared error, then refined by up to
// five coordinate-descent sweeps. Returns the least-squares scale.
//
// L is uint8_t on purpose: the reference stores levels in bytes, and a
// negative input (possible for a degenerate sub-block scale) wraps modulo 256
// there; later steps read the wrapped byte back, so we must do the same.
template <int N, int NMAX>
inline float fit_nonnegative(const float* x, const float* w, uint8_t* L) {
  float max = 0.f;
  for (int i = 0; i < N; ++i) max = max > x[i] ? max : x[i];
  if (max < kGroupMaxEps) {
    std::memset(L, 0, N);
    return 0.f;
  }
  float inv = static_cast<float>(NMAX) / max;
  {
    const float scale = 1.f / inv;
    float best_mse = 0.f;
    for (int i = 0; i < N; ++i) {
      const uint8_t q = static_cast<uint8_t>(nearest_int(inv * x[i]));
      const float diff = x[i] - scale * static_cast<float>(q);
      best_mse += w[i] * diff * diff;
    }
    float best_inv = inv;
    for (int step = -4; step <= 4; ++step) {
      if (step == 0) continue;
      const float inv_s = (0.1f * static_cast<float>(step) + static_cast<float>(NMAX)) / max;
      const float scale_s = 1.f / inv_s;
      float mse = 0.f;
      for (int i = 0; i < N; ++i) {
        const int l = std::min(NMAX, nearest_int(inv_s * x[i]));
        const float diff = x[i] - scale_s * static_cast<float>(l);
        mse += w[i] * diff * diff;
      }
      if (mse < best_mse) {
        best_mse = mse;
        best_inv = inv_s;
      }
    }
    inv = best_inv;
  }
  float sumlx = 0.f, suml2 = 0.f;
  for (int i = 0; i < N; ++i) {
    const int l = std::min(NMAX, nearest_int(inv * x[i]));
    L[i] = static_cast<uint8_t>(l);
    const float fl = static_cast<float>(l);  // the unwrapped level feeds the sums
    sumlx += w[i] * x[i] * fl;
    suml2 += w[i] * fl * fl;
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    bool changed = false;
    for (int i = 0; i < N; ++i) {
      const float cur = static_cast<float>(L[i]);
      float slx = sumlx - w[i] * x[i] * cur;
      float sl2 = suml2 - w[i] * cur * cur;
      if (!(slx > 0.f && sl2 > 0.f)) continue;
      const int next = std::min(NMAX, nearest_int(x[i] * sl2 / slx));
      if (next == static_cast<int>(L[i])) continue;
      const float fn = static_cast<float>(next);
      slx += w[i] * x[i] * fn;
      sl2 += w[i] * fn * fn;
      if (slx * slx * suml2 > sumlx * sumlx * sl2) {
        L[i] = static_cast<uint8_t>(next);
        sumlx = slx;
        suml2 = sl2;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return suml2 > 0.f ? sumlx / suml2 : 0.f;
}

}  // namespace kquant
}  // namespace tessera
