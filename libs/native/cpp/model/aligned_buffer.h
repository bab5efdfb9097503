// A growable, 64-byte aligned scratch buffer. It only grows, so steady-state
// forward steps allocate nothing.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace tessera {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // Ensures at least `bytes` bytes; contents are not preserved on growth.
  void reserve(size_t bytes) {
    if (bytes <= size_) return;
    std::free(data_);
    const size_t rounded = (bytes + 63) / 64 * 64;
    data_ = std::aligned_alloc(64, rounded);
    if (!data_) throw std::bad_alloc();
    size_ = rounded;
  }

  template <typename T>
  T* as() { return static_cast<T*>(data_); }
  template <typename T>
  const T* as() const { return static_cast<const T*>(data_); }

  size_t capacity() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tessera
