#pragma once
// Shared by the CUDA tests: skip where no device is present (CI), and RAII device buffers.
#include <gtest/gtest.h>

#include <cstddef>

#include "gpu/cuda_check.hpp"
#include "gpu/device_info.hpp"

namespace moeserve::gpu::testing {

#define MOESERVE_REQUIRE_CUDA_DEVICE()                                                      \
  do {                                                                                      \
    const auto inventory = ::moeserve::gpu::list_devices();                                 \
    if (inventory.devices.empty()) GTEST_SKIP() << "no CUDA device: " << inventory.problem; \
  } while (0)

class device_buffer {
 public:
  explicit device_buffer(std::size_t bytes) : bytes_(bytes) { MOESERVE_CUDA_CHECK(cudaMalloc(&ptr_, bytes)); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  ~device_buffer() { cudaFree(ptr_); }
  unsigned char* get() const noexcept { return static_cast<unsigned char*>(ptr_); }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_;
};

}  // namespace moeserve::gpu::testing
