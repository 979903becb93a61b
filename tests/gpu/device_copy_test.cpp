#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "gpu/device_copy.hpp"
#include "gpu_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

constexpr unsigned char guard = 0xA5;

// Copies `bytes` between buffers at the given misalignments and compares with the host
// data byte for byte; the bytes around the destination must stay untouched.
void check_copy(std::size_t bytes, std::size_t src_offset, std::size_t dst_offset, std::mt19937& rng) {
  std::vector<unsigned char> host(bytes);
  for (auto& b : host) b = static_cast<unsigned char>(rng());
  const std::size_t slack = 64;
  device_buffer src(bytes + slack), dst(bytes + 2 * slack);
  MOESERVE_CUDA_CHECK(cudaMemcpy(src.get() + src_offset, host.data(), bytes, cudaMemcpyHostToDevice));
  MOESERVE_CUDA_CHECK(cudaMemset(dst.get(), guard, dst.bytes()));  // poison and guards
  device_copy(dst.get() + slack + dst_offset, src.get() + src_offset, bytes, nullptr);
  MOESERVE_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<unsigned char> back(dst.bytes());
  MOESERVE_CUDA_CHECK(cudaMemcpy(back.data(), dst.get(), back.size(), cudaMemcpyDeviceToHost));
  for (std::size_t i = 0; i < slack + dst_offset; ++i) ASSERT_EQ(back[i], guard) << "byte before the copy at " << i;
  for (std::size_t i = 0; i < bytes; ++i) {
    ASSERT_EQ(back[slack + dst_offset + i], host[i])
        << "byte " << i << " of " << bytes << " (src+" << src_offset << ", dst+" << dst_offset << ")";
  }
  for (std::size_t i = slack + dst_offset + bytes; i < back.size(); ++i) ASSERT_EQ(back[i], guard) << "after, at " << i;
}

TEST(DeviceCopy, CopiesEverySizeAndAlignmentExactly) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  for (std::size_t bytes : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{4099},
                            (std::size_t{1} << 20) + 5, (std::size_t{48} << 20) + 7}) {
    for (std::size_t src_offset : {0u, 1u, 3u}) {
      for (std::size_t dst_offset : {0u, 1u, 8u}) check_copy(bytes, src_offset, dst_offset, rng);
    }
  }
}

TEST(DeviceCopy, BandwidthProbeReportsAPlausibleFigure) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const copy_bandwidth bw = measure_copy_bandwidth(std::size_t{256} << 20, 10);
  RecordProperty("copy_bytes_per_second", std::to_string(bw.bytes_per_second));
  std::printf("device copy: %.0f GB/s (read + write, 2 x 256 MiB buffers, median of 10)\n", bw.bytes_per_second / 1e9);
  EXPECT_GT(bw.median_seconds, 0.0);
  EXPECT_GT(bw.bytes_per_second, 50e9);   // any data-centre GPU
  EXPECT_LT(bw.bytes_per_second, 20e12);  // no GPU is this fast: a timing bug
}

}  // namespace
}  // namespace moeserve::gpu::testing
