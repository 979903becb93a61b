#pragma once
// executor_factory: the step executor that `--device` names (GPU_EXECUTOR.md "Also"):
//
//   cpu        the CPU executor (cpu/cpu_executor.hpp), its KV cache from a byte budget
//   cuda       the GPU executor on device 0 (gpu/runner/gpu_executor.hpp), its KV cache
//   cuda:N     from the device memory left after the weights, times gpu_memory_utilization
//   auto       cuda when this build has the CUDA backend and a device is present, else cpu
//
// Every refusal is a device_error with one line that says what is wrong: an unknown device
// name, cuda on a build without CUDA or on a machine without a usable device, a GPU older
// than sm_90, too little device memory. The server and `generate` print it and exit 1.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "model/arch/model_files.hpp"
#include "model/runner/step_executor.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::app {

class device_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct executor_options {
  std::string device = "auto";
  int block_size = 64;
  int max_model_len = 0;           // resolved (model::model_config::context_length)
  int max_num_seqs = 64;           // sequences in one step at most
  int max_num_batched_tokens = 2048;  // tokens in one step at most
  quant::quantization_plan quantization;
  // CPU
  int threads = 0;                               // 0: one per hardware thread
  std::int64_t kv_cache_bytes = std::int64_t{1} << 30;
  // GPU
  double gpu_memory_utilization = 0.9;  // share of the device's memory weights + KV + scratch may take
};

// Whether this build has the CUDA backend.
bool build_has_cuda();

// `device` resolved: "cpu" or "cuda:N" (auto decided). Throws device_error.
std::string resolve_device(const std::string& device);

// The executor for `files` (which must outlive it). Throws device_error for the device
// problems above, and load_error / config_error / invalid_argument as the executors do.
std::unique_ptr<model::step_executor> make_executor(const model::model_files& files, const executor_options& options);

}  // namespace moeserve::app
