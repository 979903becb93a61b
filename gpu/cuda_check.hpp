#pragma once
// Error handling for the CUDA runtime API: every call's status is checked, and a failure
// becomes a cuda_error naming the call, the file and the line.
//
//   MOESERVE_CUDA_CHECK(cudaMalloc(&p, bytes));
//   kernel<<<grid, block, 0, stream>>>(...);
//   MOESERVE_CUDA_CHECK(cudaGetLastError());   // after every launch
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace moeserve::gpu {

class cuda_error : public std::runtime_error {
 public:
  cuda_error(cudaError_t code, const std::string& what) : std::runtime_error(what), code_(code) {}
  cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

[[noreturn]] void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line);

inline void check_cuda(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, call, file, line);
}

}  // namespace moeserve::gpu

#define MOESERVE_CUDA_CHECK(call) ::moeserve::gpu::check_cuda((call), #call, __FILE__, __LINE__)
