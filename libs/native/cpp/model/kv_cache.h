// The paged key/value cache: one pool of fixed-size blocks shared by all
// sequences. Entries are IEEE half floats, as in the reference (its K and V
// are rounded to fp16 when stored). The block manager in TypeScript decides
// which block holds which positions; this class only stores and addresses.
//
// Layout, outermost first: layer, K|V, block, kv head, offset in block, dim.
// One head's keys inside a block are contiguous, so attention streams them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera {

class KvCache {
 public:
  KvCache(int n_layer, int n_head_kv, int head_dim, int n_blocks, int block_size);

  int n_blocks() const { return n_blocks_; }
  int block_size() const { return block_size_; }
  size_t bytes() const { return data_.size() * sizeof(uint16_t); }

  // Stores one token's keys and values (n_head_kv * head_dim floats each) at
  // `slot` = block * block_size + offset.
  void store(int layer, int64_t slot, const float* k, const float* v);

  // Copies every layer's keys and values of block `src` to block `dst`
  // (copy-on-write of a shared block). Ids must be valid; src == dst is a no-op.
  void copy_block(int src, int dst);

  // Start of the block_size x head_dim keys (or values) of `head` in `block`.
  const uint16_t* keys(int layer, int block, int head) const { return at(layer, 0, block, head); }
  const uint16_t* values(int layer, int block, int head) const { return at(layer, 1, block, head); }

 private:
  const uint16_t* at(int layer, int kv, int block, int head) const {
    return data_.data() + ((static_cast<size_t>(layer) * 2 + kv) * n_blocks_ + block) * block_stride_ +
           static_cast<size_t>(head) * head_stride_;
  }

  // Floats to fp16 rows: the F16C conversion where the CPU has it (it gives
  // the scalar conversion's bits; see quants/float_formats_avx2.cpp).
  using ToHalfFn = size_t (*)(const float* src, void* dst, int64_t nrows, int64_t n_per_row, const float* imatrix);
  ToHalfFn to_half_;

  int n_layer_, n_head_kv_, head_dim_, n_blocks_, block_size_;
  size_t head_stride_;   // block_size * head_dim
  size_t block_stride_;  // n_head_kv * head_stride
  std::vector<uint16_t> data_;
};

}  // namespace tessera
