#pragma once
// byte_reader: a bounds-checked little-endian cursor over a file's bytes (GGUF parsing).
//
// Every read first checks the bytes left and throws load_error naming the file, the
// offset and what was being read; nothing is read past the end. Lengths and counts read
// from the file are checked against the bytes left by the caller (need / fits) before
// anything is allocated for them.
//
// Threading: a plain value, used by one thread.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "model/io/load_error.hpp"

namespace moeserve::model {

static_assert(std::endian::native == std::endian::little, "the weight readers assume a little-endian host");

class byte_reader {
 public:
  byte_reader(std::span<const std::byte> bytes, std::string_view file) : bytes_(bytes), file_(file) {}

  std::size_t offset() const { return pos_; }
  std::size_t left() const { return bytes_.size() - pos_; }
  std::size_t size() const { return bytes_.size(); }

  // Throws unless `n` more bytes are present; `what` names them ("tensor count").
  void need(std::uint64_t n, std::string_view what) const {
    if (n > left()) {
      fail_at(pos_, std::string(what) + " needs " + std::to_string(n) + " bytes but only " + std::to_string(left()) +
                        " are left");
    }
  }

  template <class T>
  requires std::is_trivially_copyable_v<T> T read(std::string_view what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::span<const std::byte> take(std::size_t n, std::string_view what) {
    need(n, what);
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  // A GGUF string: u64 length, then that many bytes (not NUL-terminated, not validated
  // as UTF-8). The result points into the file.
  std::string_view read_string(std::string_view what) {
    const std::size_t at = pos_;
    const auto len = read<std::uint64_t>(what);
    if (len > left()) {
      fail_at(at, std::string(what) + " length " + std::to_string(len) + " exceeds the " + std::to_string(left()) +
                      " bytes left");
    }
    auto s = take(static_cast<std::size_t>(len), what);
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }

  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%zx", at);
    throw load_error(std::string(file_) + ": offset " + buf + ": " + what);
  }

 private:
  std::span<const std::byte> bytes_;
  std::string_view file_;
  std::size_t pos_ = 0;
};

}  // namespace moeserve::model
