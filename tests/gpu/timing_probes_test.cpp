#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gpu/timing_probes.hpp"
#include "gpu_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

// read_through must leave what it reads untouched (it is used as an L2 flush over a
// buffer that other measurements never see, and as a floor over live weights), for sizes
// below one vector, between vectors and across many grid strides; the probes must not fail.
TEST(TimingProbes, ReadThroughWritesNothingAndEmptyKernelRuns) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  for (std::size_t bytes : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{4100},
                            (std::size_t{48} << 20) + 16}) {
    std::vector<unsigned char> host(bytes);
    for (auto& b : host) b = static_cast<unsigned char>(rng());
    device_buffer buf(bytes);  // exactly: a read past the end shows under compute-sanitizer
    MOESERVE_CUDA_CHECK(cudaMemcpy(buf.get(), host.data(), bytes, cudaMemcpyHostToDevice));
    read_through(buf.get(), bytes, nullptr);
    empty_kernel(nullptr);
    MOESERVE_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<unsigned char> back(bytes);
    MOESERVE_CUDA_CHECK(cudaMemcpy(back.data(), buf.get(), bytes, cudaMemcpyDeviceToHost));
    ASSERT_EQ(back, host) << bytes << " bytes";
  }
}

}  // namespace
}  // namespace moeserve::gpu::testing
