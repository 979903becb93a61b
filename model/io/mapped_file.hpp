#pragma once
// mapped_file: a read-only memory map of a whole file (RAII).
//
// Weight files are mapped, never read into buffers: tensor_views are spans into the
// mapping, and only dequantization or a backend's repacking copies the bytes (once).
//
// Invariants: bytes() covers exactly the file's size at open time; an empty file maps to
// an empty span (no mmap call). The mapping is private and read-only; if another process
// truncates the file while it is mapped, touching the lost pages raises SIGBUS — weight
// files are treated as immutable while served.
//
// Threading: immutable after construction; bytes() may be read from any thread. Moving
// the object keeps the mapping's address, so spans taken earlier stay valid.

#include <cstddef>
#include <filesystem>
#include <span>

namespace moeserve::model {

class mapped_file {
 public:
  // Opens and maps `path`. Throws load_error naming the path and the system's reason
  // (e.g. "No such file or directory") when it cannot open, stat or map it, or when it is
  // not a regular file.
  explicit mapped_file(std::filesystem::path path);
  ~mapped_file();

  mapped_file(mapped_file&& other) noexcept;
  mapped_file& operator=(mapped_file&& other) noexcept;
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace moeserve::model
