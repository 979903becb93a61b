#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  throw cuda_error(code, std::string(file) + ":" + std::to_string(line) + ": " + call +
                             " failed: " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")");
}

}  // namespace moeserve::gpu
