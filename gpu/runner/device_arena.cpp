#include "gpu/runner/device_arena.hpp"

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

namespace {
constexpr std::size_t alignment = 256;
std::size_t aligned(std::size_t bytes) { return (bytes + alignment - 1) / alignment * alignment; }
}  // namespace

device_arena::~device_arena() {
  for (void* p : extra_) cudaFree(p);
  cudaFree(main_);
}

void* device_arena::allocate(std::size_t bytes) {
  const std::size_t size = aligned(bytes == 0 ? 1 : bytes);
  step_total_ += size;
  if (used_ + size <= capacity_) {
    void* p = static_cast<char*>(main_) + used_;
    used_ += size;
    return p;
  }
  void* p = nullptr;
  MOESERVE_CUDA_CHECK(cudaMalloc(&p, size));
  extra_.push_back(p);
  return p;
}

void device_arena::reset() {
  if (!extra_.empty()) {
    for (void* p : extra_) cudaFree(p);
    extra_.clear();
    MOESERVE_CUDA_CHECK(cudaFree(main_));
    main_ = nullptr;
    capacity_ = 0;
    MOESERVE_CUDA_CHECK(cudaMalloc(&main_, step_total_));
    capacity_ = step_total_;
  }
  used_ = 0;
  step_total_ = 0;
}

}  // namespace moeserve::gpu
