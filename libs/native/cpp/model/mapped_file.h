// A read-only memory mapping of a whole file. Weights are used in place from
// the mapping, so loading a model costs a page-table setup, not a copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera {

class MappedFile {
 public:
  // Throws ModelError (code "ENOENT"/"EMAP") when the file cannot be mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Drops the whole pages inside [p, p + bytes) from this process's resident
  // set (used once a packed copy replaces them). They stay readable: a later
  // access reads them from the page cache again. Memory outside the mapping
  // (a copy made at load) is left alone.
  void release(const void* p, size_t bytes) const;

  // Marks [p, p + bytes) as read at random (embedding rows): a page fault
  // then maps that page alone, not the 64 KiB around it.
  void advise_random(const void* p, size_t bytes) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tessera
