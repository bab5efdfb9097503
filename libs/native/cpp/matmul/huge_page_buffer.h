// Memory for large arrays that kernels stream through (packed weights),
// asking the kernel for 2 MiB pages. A one-token forward walks ~150 MB of
// weights once; with 4 KiB pages every 4 KiB of it costs a TLB miss and a
// page walk on the way, and the streams ran at 19 GB/s on two threads
// where 2 MiB pages reach 22 GB/s (bench/matmul/kernel_bench, 1 token).
// Where the kernel keeps transparent huge pages off, this is plain memory.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  // `bytes` bytes (rounded up to whole 2 MiB pages), 2 MiB aligned,
  // uninitialised. Throws std::bad_alloc.
  explicit HugePageBuffer(size_t bytes);
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& other) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tessera
