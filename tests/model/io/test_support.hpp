#pragma once
// Helpers of model_io_tests: temporary directories, writing files, fixture paths, and
// checking that a call throws load_error with a message naming the problem.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/io/load_error.hpp"

namespace moeserve::model::testing {

inline std::filesystem::path fixtures_dir() { return MOESERVE_FIXTURES_DIR; }
// The default model; MOESERVE_TEST_MODEL overrides the path (e.g. to check the skip).
inline std::filesystem::path default_model_path() {
  const char* env = std::getenv("MOESERVE_TEST_MODEL");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path(MOESERVE_DEFAULT_MODEL);
}

// A fresh directory under TMPDIR (or /tmp), removed with everything in it at scope exit.
class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/model_io_test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  write_file(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

// Runs `f`, expects load_error whose message contains every one of `parts`; returns the
// message ("" when nothing or something else was thrown).
template <class F>
std::string expect_load_error(F&& f, std::initializer_list<std::string_view> parts) {
  try {
    f();
  } catch (const load_error& e) {
    const std::string msg = e.what();
    for (std::string_view p : parts) EXPECT_THAT(msg, ::testing::HasSubstr(std::string(p))) << "message: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected load_error, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected load_error, nothing was thrown";
  return {};
}

// Little-endian byte buffer builder.
class byte_buffer {
 public:
  template <class T>
  byte_buffer& put(T v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof v);
    return *this;
  }
  byte_buffer& put_bytes(std::span<const std::byte> b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  byte_buffer& put_text(std::string_view s) {
    return put_bytes(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  // A GGUF string: u64 length, then the bytes.
  byte_buffer& put_gguf_string(std::string_view s) { return put<std::uint64_t>(s.size()).put_text(s); }
  byte_buffer& pad_to(std::size_t alignment, std::byte fill = std::byte{0}) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(fill);
    return *this;
  }

  std::size_t size() const { return bytes_.size(); }
  std::vector<std::byte>& bytes() { return bytes_; }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

// Overwrites sizeof(T) bytes at `offset` with `v`.
template <class T>
void patch(std::vector<std::byte>& bytes, std::size_t offset, T v) {
  std::memcpy(bytes.data() + offset, &v, sizeof v);
}

}  // namespace moeserve::model::testing
