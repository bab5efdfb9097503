// Scale searches; see scale_search.h. The float expressions are spelled in
// the exact association order of the reference, since every rounding step
// shows up in the produced bytes.
#include "scale_search.h"

#include <cmath>
#include <cstring>

#include "quant_common.h"

namespace tessera {

namespace {

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

inline float weight_at(const float* w, const float* x, int i) { return w ? w[i] : x[i] * x[i]; }

// Weighted sums for symmetric levels at inverse scale `iscale`:
// sumlx = sum w*x*l, suml2 = sum w*l*l.
void symmetric_sums(int n, int nmax, const float* x, const float* qw, float iscale, float* sumlx, float* suml2) {
  float lx = 0, l2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    const float w = weight_at(qw, x, i);
    lx += w * x[i] * l;
    l2 += w * l * l;
  }
  *sumlx = lx;
  *suml2 = l2;
}

void symmetric_levels(int n, int nmax, const float* x, float iscale, int8_t* L) {
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
  }
}

// Weighted error of the fit scale * L + min against x.
float offset_fit_error(int n, const float* x, const float* w, const uint8_t* L, float scale, float min) {
  float err = 0;
  for (int i = 0; i < n; ++i) {
    float diff = scale * L[i] + min - x[i];
    err += weight_at(w, x, i) * (diff * diff);
  }
  return err;
}

}  // namespace

float search_symmetric_scale(int n, int nmax, const float* x, int8_t* L, const float* qw) {
  // The signed value of largest magnitude (first one on ties) anchors the grid.
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, static_cast<size_t>(n));
    return 0.f;
  }
  float iscale = static_cast<float>(-nmax) / max;
  float sumlx, suml2;
  symmetric_sums(n, nmax, x, qw, iscale, &sumlx, &suml2);
  symmetric_levels(n, nmax, x, iscale, L);
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(step)) / max;
    symmetric_sums(n, nmax, x, qw, iscale, &sumlx, &suml2);
    // Better when sumlx^2 / suml2 (the error reduction) grows; compared
    // without dividing, as the reference does.
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      symmetric_levels(n, nmax, x, iscale, L);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

float search_offset_scale(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min,
                          uint8_t* scratch, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weight_at(w, x, 0);
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float wi = weight_at(w, x, i);
    sum_w += wi;
    sum_x += wi * x[i];
  }
  if (min > 0) min = 0;  // the offset only ever shifts down
  if (max <= min) {
    std::memset(L, 0, static_cast<size_t>(n));
    *neg_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax));
  }
  float best_err = offset_fit_error(n, x, w, L, scale, min);
  if (nstep < 1) {
    *neg_min = -min;
    return scale;
  }
  for (int step = 0; step <= nstep; ++step) {
    // `min` may already have moved in an earlier step; the grid follows it.
    iscale = (rmin + rdelta * step + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax);
      scratch[i] = static_cast<uint8_t>(l);
      const float wi = weight_at(w, x, i);
      sum_l += wi * l;
      sum_l2 += wi * l * l;
      sum_xl += wi * l * x[i];
    }
    // Weighted least squares for (scale, min) given the levels.
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (!(det > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    const float err = offset_fit_error(n, x, w, scratch, this_scale, this_min);
    if (err < best_err) {
      std::memcpy(L, scratch, static_cast<size_t>(n));
      best_err = err;
      scale = this_scale;
      min = this_min;
    }
  }
  *neg_min = -min;
  return scale;
}

}  // namespace tessera
