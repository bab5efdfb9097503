#include "model/kv_cache.h"

#include <cstring>

#include "cpu_features.h"
#include "model/model_error.h"
#include "quants/quant_common.h"
#include "quants/quants.h"
#include "quants/simd_kernels.h"

namespace tessera {

KvCache::KvCache(int n_layer, int n_head_kv, int head_dim, int n_blocks, int block_size)
    : to_half_(cpu_features().avx2 && cpu_features().f16c ? quantize_f16_avx2 : quantize_f16),
      n_layer_(n_layer),
      n_head_kv_(n_head_kv),
      head_dim_(head_dim),
      n_blocks_(n_blocks),
      block_size_(block_size),
      head_stride_(static_cast<size_t>(block_size) * head_dim),
      block_stride_(static_cast<size_t>(n_head_kv) * block_size * head_dim) {
  const double total = 2.0 * n_layer * n_blocks * static_cast<double>(block_stride_) * sizeof(uint16_t);
  if (n_blocks <= 0 || block_size <= 0 || total > 64.0 * (1ull << 30)) {
    throw ModelError("EKVSIZE", "KV cache of " + std::to_string(n_blocks) + " blocks x " +
                                    std::to_string(block_size) +
                                    " tokens is empty or over 64 GiB; choose fewer kvBlocks");
  }
  data_.assign(static_cast<size_t>(2) * n_layer * n_blocks * block_stride_, 0);
}

void KvCache::copy_block(int src, int dst) {
  if (src == dst) return;
  for (int layer = 0; layer < n_layer_; ++layer) {
    for (int kv = 0; kv < 2; ++kv) {
      std::memcpy(const_cast<uint16_t*>(at(layer, kv, dst, 0)), at(layer, kv, src, 0), block_stride_ * sizeof(uint16_t));
    }
  }
}

void KvCache::store(int layer, int64_t slot, const float* k, const float* v) {
  const int block = static_cast<int>(slot / block_size_);
  const int offset = static_cast<int>(slot % block_size_);
  for (int h = 0; h < n_head_kv_; ++h) {
    uint16_t* kd = const_cast<uint16_t*>(keys(layer, block, h)) + static_cast<size_t>(offset) * head_dim_;
    uint16_t* vd = const_cast<uint16_t*>(values(layer, block, h)) + static_cast<size_t>(offset) * head_dim_;
    const float* ks = k + static_cast<size_t>(h) * head_dim_;
    const float* vs = v + static_cast<size_t>(h) * head_dim_;
    to_half_(ks, kd, 1, head_dim_, nullptr);
    to_half_(vs, vd, 1, head_dim_, nullptr);
  }
}

}  // namespace tessera
