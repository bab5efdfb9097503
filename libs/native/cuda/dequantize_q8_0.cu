#include "dequantize_q8_0.h"

#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace tessera {

namespace {

constexpr int kBlock = 32;
constexpr int kBlockBytes = 34;  // fp16 scale + 32 int8

// One thread per value; the scale is read as raw little-endian half bits.
__global__ void dequantize_q8_0_kernel(const uint8_t* __restrict__ x, float* __restrict__ y, int64_t k) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= k) return;
  const uint8_t* block = x + (i / kBlock) * kBlockBytes;
  const __half_raw raw{static_cast<unsigned short>(block[0] | (block[1] << 8))};
  const float d = __half2float(__half(raw));
  const int8_t q = static_cast<int8_t>(block[2 + i % kBlock]);
  y[i] = static_cast<float>(q) * d;  // exact product, rounded once: same as the CPU
}

bool check(cudaError_t err, const char* what, std::string* error) {
  if (err == cudaSuccess) return true;
  *error = std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  return false;
}

}  // namespace

bool cuda_dequantize_q8_0(const void* src, float* dst, int64_t k, std::string* error) {
  int count = 0;
  if (!check(cudaGetDeviceCount(&count), "no CUDA device", error)) return false;
  if (count == 0) {
    *error = "no CUDA device";
    return false;
  }
  if (k == 0) return true;
  const size_t in_bytes = static_cast<size_t>(k / kBlock) * kBlockBytes, out_bytes = static_cast<size_t>(k) * sizeof(float);
  uint8_t* d_x = nullptr;
  float* d_y = nullptr;
  bool ok = check(cudaMalloc(&d_x, in_bytes), "cudaMalloc", error) && check(cudaMalloc(&d_y, out_bytes), "cudaMalloc", error) &&
            check(cudaMemcpy(d_x, src, in_bytes, cudaMemcpyHostToDevice), "copy to device", error);
  if (ok) {
    const int threads = 256;
    const unsigned blocks = static_cast<unsigned>((k + threads - 1) / threads);
    dequantize_q8_0_kernel<<<blocks, threads>>>(d_x, d_y, k);
    ok = check(cudaGetLastError(), "kernel launch", error) &&
         check(cudaMemcpy(dst, d_y, out_bytes, cudaMemcpyDeviceToHost), "copy to host", error);
  }
  cudaFree(d_x);
  cudaFree(d_y);
  return ok;
}

}  // namespace tessera
