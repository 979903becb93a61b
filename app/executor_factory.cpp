#include "app/executor_factory.hpp"

#include <charconv>

#include "cpu/cpu_executor.hpp"
#if MOESERVE_HAVE_CUDA
#include "gpu/device_info.hpp"
#include "gpu/runner/gpu_executor.hpp"
#endif

namespace moeserve::app {

bool build_has_cuda() { return MOESERVE_HAVE_CUDA != 0; }

namespace {

// "cuda" -> 0, "cuda:N" -> N, anything else -> -1.
int cuda_index(const std::string& device) {
  if (device == "cuda") return 0;
  if (!device.starts_with("cuda:")) return -1;
  int index = -1;
  const char* first = device.data() + 5;
  const char* last = device.data() + device.size();
  const auto [end, ec] = std::from_chars(first, last, index);
  return ec == std::errc{} && end == last && first != last && index >= 0 ? index : -1;
}

}  // namespace

std::string resolve_device(const std::string& device) {
  if (device == "cpu") return device;
  if (device != "auto" && cuda_index(device) < 0)
    throw device_error("--device " + device + ": expected auto, cpu, cuda or cuda:N");
#if MOESERVE_HAVE_CUDA
  const auto inventory = gpu::list_devices();
  if (device == "auto") return inventory.devices.empty() ? "cpu" : "cuda:0";
  const int index = cuda_index(device);
  if (inventory.devices.empty()) throw device_error("--device " + device + ": no CUDA device: " + inventory.problem);
  if (index >= static_cast<int>(inventory.devices.size()))
    throw device_error("--device " + device + ": this machine has " + std::to_string(inventory.devices.size()) +
                       " CUDA device(s)");
  const auto& d = inventory.devices[static_cast<std::size_t>(index)];
  if (d.compute_major < 9)
    throw device_error("--device " + device + ": " + gpu::describe(d) +
                       " is older than sm_90 (Hopper); this build's kernels need sm_90a");
  return "cuda:" + std::to_string(index);
#else
  if (device == "auto") return "cpu";
  throw device_error("--device " + device + ": this build has no CUDA backend (configure with -DMOESERVE_CUDA=ON)");
#endif
}

std::unique_ptr<model::step_executor> make_executor(const model::model_files& files, const executor_options& o) {
  const std::string device = resolve_device(o.device);
  if (device == "cpu") {
    const int blocks = cpu::kv_blocks_for_bytes(files.config(), o.block_size, o.kv_cache_bytes, o.max_model_len,
                                                o.quantization.kv_cache());
    return std::make_unique<cpu::cpu_executor>(files,
                                               cpu::cpu_executor_options{o.threads, o.block_size, blocks, o.quantization});
  }
#if MOESERVE_HAVE_CUDA
  gpu::gpu_executor_options g;
  g.device = cuda_index(device);
  g.block_size = o.block_size;
  g.max_model_len = o.max_model_len;
  g.max_num_seqs = o.max_num_seqs;
  g.max_num_batched_tokens = o.max_num_batched_tokens;
  g.gpu_memory_utilization = o.gpu_memory_utilization;
  g.quantization = o.quantization;
  try {
    return std::make_unique<gpu::gpu_executor>(files, g);
  } catch (const gpu::gpu_executor_error& e) {
    throw device_error(e.what());
  }
#else
  throw device_error("--device " + device + ": this build has no CUDA backend");
#endif
}

}  // namespace moeserve::app
