#pragma once
// What the CUDA devices of this machine are: read once at start-up by the GPU executor
// (and logged), and by benchmarks that size their problems to the chip.
#include <cstddef>
#include <string>
#include <vector>

namespace moeserve::gpu {

struct device_info {
  int index = 0;
  std::string name;
  int compute_major = 0, compute_minor = 0;
  int multiprocessors = 0;
  std::size_t total_memory = 0;  // bytes
  std::size_t free_memory = 0;   // bytes, when queried
  int l2_cache_bytes = 0;
  int max_shared_memory_per_block_optin = 0;  // bytes a block may get after opting in
  int memory_bus_width_bits = 0;
};

struct device_inventory {
  std::vector<device_info> devices;
  std::string problem;  // why there are none (no driver, no device), else empty
};

// Never throws for a missing driver or device: that is an empty inventory with a reason.
device_inventory list_devices();

// "NVIDIA H100 80GB HBM3, sm_90, 132 SMs, 79.1 GiB" for logs.
std::string describe(const device_info& d);

}  // namespace moeserve::gpu
