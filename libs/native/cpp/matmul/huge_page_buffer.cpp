#include "matmul/huge_page_buffer.h"

#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tessera {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

HugePageBuffer::HugePageBuffer(size_t bytes) {
  if (bytes == 0) return;
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  data_ = static_cast<uint8_t*>(std::aligned_alloc(kHugePage, rounded));
  if (!data_) throw std::bad_alloc();
  size_ = rounded;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: refused (THP "never", old kernels) it leaves 4 KiB pages.
  madvise(data_, size_, MADV_HUGEPAGE);
#endif
}

HugePageBuffer::~HugePageBuffer() { std::free(data_); }

HugePageBuffer::HugePageBuffer(HugePageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

}  // namespace tessera
