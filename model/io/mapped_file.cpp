#include "model/io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "model/io/load_error.hpp"

namespace moeserve::model {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw load_error(path.string() + ": cannot " + what + ": " + std::generic_category().message(err));
}

// Closes a descriptor on every way out of the constructor.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

mapped_file::mapped_file(std::filesystem::path path) : path_(std::move(path)) {
  fd_guard fd{::open(path_.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail(path_, "open", errno);
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) fail(path_, "stat", errno);
  if (!S_ISREG(st.st_mode)) throw load_error(path_.string() + ": cannot map: not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.fd, 0);
  if (p == MAP_FAILED) {
    size_ = 0;
    fail(path_, "mmap", errno);
  }
  data_ = static_cast<const std::byte*>(p);
}

mapped_file::~mapped_file() { release(); }

mapped_file::mapped_file(mapped_file&& other) noexcept
    : path_(std::move(other.path_)), data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

mapped_file& mapped_file::operator=(mapped_file&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void mapped_file::release() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace moeserve::model
