#pragma once
// Device-to-device copy through our own kernel (16-byte accesses, several loads in flight
// per thread), and the copy-bandwidth probe built on it. The probe is the memory ceiling
// that GPU benchmarks report their achieved bandwidth against, measured in the same run
// (bytes read + bytes written over time). cudaMemcpyAsync would do for copying; the kernel
// exists because the probe should show what a plain streaming kernel of ours reaches.
#include <cuda_runtime_api.h>

#include <cstddef>

namespace moeserve::gpu {

// Copies `bytes` from src to dst (device pointers, not overlapping) on `stream`.
void device_copy(void* dst, const void* src, std::size_t bytes, cudaStream_t stream);

struct copy_bandwidth {
  std::size_t bytes = 0;        // size of one buffer
  double median_seconds = 0;    // one copy
  double bytes_per_second = 0;  // 2 * bytes / median_seconds (read + write)
};

// Allocates two buffers of `bytes`, fills them with non-zero data, warms up, and times
// `repeats` copies with CUDA events on the current device. Throws cuda_error on failure.
copy_bandwidth measure_copy_bandwidth(std::size_t bytes, int repeats);

}  // namespace moeserve::gpu
