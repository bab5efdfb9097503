// Which x86 vector extensions this CPU (and OS) supports, detected once.
// SIMD kernels are compiled into *_avx2.cpp / *_avx512.cpp with the matching
// -m flags and must only be entered when the feature here is true.
#pragma once

namespace tessera {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
};

const CpuFeatures& cpu_features();

}  // namespace tessera
