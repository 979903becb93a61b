#pragma once
// Timing for GPU benchmarks: CUDA events around one call, warm-up first, L2 flushed before
// every timed call outside the timed region, median and spread over many calls.
// The flush is a read of a buffer twice the L2 size (gpu/timing_probes.hpp), which leaves
// clean lines in L2; flush_mode::dirty writes that buffer instead (cudaMemsetAsync), which
// leaves L2 full of dirty lines whose write-backs then share the timed call's bandwidth --
// kept to compare with earlier tables, which were measured that way.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>

namespace moeserve::bench {

struct gpu_timing {
  double median_us = 0, p10_us = 0, p90_us = 0;
  int reps = 0;
};

enum class flush_mode { clean, dirty };

class gpu_timer {
 public:
  gpu_timer(cudaStream_t stream, std::size_t l2_bytes, flush_mode mode = flush_mode::clean);
  gpu_timer(const gpu_timer&) = delete;
  gpu_timer& operator=(const gpu_timer&) = delete;
  ~gpu_timer();

  gpu_timing time(const std::function<void()>& op, int warmup, int reps);

 private:
  cudaStream_t stream_;
  void* flush_ = nullptr;
  std::size_t flush_bytes_;
  flush_mode mode_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

}  // namespace moeserve::bench
