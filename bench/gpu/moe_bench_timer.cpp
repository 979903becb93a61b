#include "bench/gpu/moe_bench_timer.hpp"

#include <algorithm>
#include <vector>

#include "gpu/cuda_check.hpp"
#include "gpu/timing_probes.hpp"

namespace moeserve::bench {

gpu_timer::gpu_timer(cudaStream_t stream, std::size_t l2_bytes, flush_mode mode)
    : stream_(stream), flush_bytes_(2 * l2_bytes), mode_(mode) {
  MOESERVE_CUDA_CHECK(cudaMalloc(&flush_, flush_bytes_));
  MOESERVE_CUDA_CHECK(cudaMemsetAsync(flush_, 0x5A, flush_bytes_, stream_));
  MOESERVE_CUDA_CHECK(cudaEventCreate(&start_));
  MOESERVE_CUDA_CHECK(cudaEventCreate(&stop_));
}

gpu_timer::~gpu_timer() {
  cudaFree(flush_);
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

gpu_timing gpu_timer::time(const std::function<void()>& op, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) op();
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  std::vector<double> us;
  for (int i = 0; i < reps; ++i) {
    if (mode_ == flush_mode::dirty) {
      MOESERVE_CUDA_CHECK(cudaMemsetAsync(flush_, i & 0xFF, flush_bytes_, stream_));
    } else {
      gpu::read_through(flush_, flush_bytes_, stream_);
    }
    MOESERVE_CUDA_CHECK(cudaEventRecord(start_, stream_));
    op();
    MOESERVE_CUDA_CHECK(cudaEventRecord(stop_, stream_));
    MOESERVE_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    MOESERVE_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    us.push_back(ms * 1e3);
  }
  std::sort(us.begin(), us.end());
  gpu_timing t;
  t.reps = reps;
  t.median_us = us[us.size() / 2];
  t.p10_us = us[us.size() / 10];
  t.p90_us = us[us.size() * 9 / 10];
  return t;
}

}  // namespace moeserve::bench
