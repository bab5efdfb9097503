// Block-scale searches shared by the legacy imatrix paths and the K-quants.
// Each one quantizes n values to integer levels and returns the scale that
// minimizes a weighted squared error; all arithmetic is float32 in a fixed
// order so results match the reference bit for bit.
#pragma once
#include <cstdint>

namespace tessera {

// Symmetric levels in [-nmax, nmax-1], stored as L[i] = level + nmax.
// Weights: qw[i] if qw != nullptr, otherwise x[i]^2 (the only weighting the
// file quantizers use). Tries 18 scales around nmax/max and keeps the best.
// Returns the scale (0 for an all-zero block).
float search_symmetric_scale(int n, int nmax, const float* x, int8_t* L, const float* qw);

// Asymmetric levels in [0, nmax] with an offset: x ~= scale * L[i] - *neg_min.
// Weights: w[i] if w != nullptr, otherwise x[i]^2. Starts from the min/max
// fit and tries nstep + 1 alternative scales (rmin + rdelta * step) solved by
// weighted least squares. `scratch` holds n bytes. Returns the scale and
// writes -min (>= 0) to *neg_min.
float search_offset_scale(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min,
                          uint8_t* scratch, float rmin, float rdelta, int nstep);

}  // namespace tessera
