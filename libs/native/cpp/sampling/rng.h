// A counter-based random generator: the draw for (seed, step) is a pure
// function of both, so a request's sampling is reproducible regardless of
// which other requests share its batches or how often it was preempted.
#pragma once
#include <cstdint>

namespace tessera {

// SplitMix64's finalizer: a strong 64-bit mixing bijection.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Uniform double in [0, 1) for draw number `step` of stream `seed`.
inline double uniform01(uint64_t seed, uint64_t step) {
  const uint64_t x = mix64(mix64(seed + 0x9e3779b97f4a7c15ULL) ^ (step * 0xd1b54a32d192ed03ULL + 1));
  return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace tessera
