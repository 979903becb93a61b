#include "gpu/device_info.hpp"

#include <cuda_runtime_api.h>

#include <cstdio>

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

device_inventory list_devices() {
  device_inventory inv;
  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    inv.problem = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return inv;
  }
  if (count == 0) inv.problem = "no CUDA device";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    MOESERVE_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    device_info d;
    d.index = i;
    d.name = p.name;
    d.compute_major = p.major;
    d.compute_minor = p.minor;
    d.multiprocessors = p.multiProcessorCount;
    d.total_memory = p.totalGlobalMem;
    d.l2_cache_bytes = p.l2CacheSize;
    d.max_shared_memory_per_block_optin = static_cast<int>(p.sharedMemPerBlockOptin);
    d.memory_bus_width_bits = p.memoryBusWidth;
    int current = 0;
    MOESERVE_CUDA_CHECK(cudaGetDevice(&current));
    MOESERVE_CUDA_CHECK(cudaSetDevice(i));
    std::size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) d.free_memory = free_bytes;
    MOESERVE_CUDA_CHECK(cudaSetDevice(current));
    inv.devices.push_back(std::move(d));
  }
  return inv;
}

std::string describe(const device_info& d) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s, sm_%d%d, %d SMs, %.1f GiB", d.name.c_str(), d.compute_major, d.compute_minor,
                d.multiprocessors, static_cast<double>(d.total_memory) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace moeserve::gpu
