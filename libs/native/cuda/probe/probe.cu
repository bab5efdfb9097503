// Smallest program that needs the CUDA runtime to link.
#include <cuda_runtime.h>

extern "C" int tessera_cuda_probe() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : -1;
}
