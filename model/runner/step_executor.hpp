#pragma once
// step_executor: what runs step plans (model/runner/step_plan.hpp) on a device: the CPU
// executor (cpu/cpu_executor.hpp) or the GPU executor (gpu/runner/gpu_executor.hpp). The
// serving engine's Executor actor owns one and calls it from its own thread, one plan at a
// time.
//
// An executor sizes its own paged KV cache when it is built (the CPU from a byte budget,
// a GPU from the memory free after the weights and a warm-up step); the caller then builds
// the scheduler's block pool from num_blocks() and block_size() (GPU_EXECUTOR.md, move 5:
// weights -> KV pages -> sampler -> graphs).
#include <cstddef>
#include <string>

#include "model/config/model_config.hpp"
#include "model/runner/step_plan.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::model {

class step_executor {
 public:
  virtual ~step_executor() = default;
  // Never throws: a failed step is a step_result with an error.
  virtual step_result execute(const step_plan& plan) = 0;
  // Logits of every logit row of `batch` (rows x vocab floats, row by row), for
  // teacher-forced scoring; the batch's slots must lie in blocks the caller holds. Throws
  // std::invalid_argument for a bad batch.
  virtual void forward(const step_batch& batch, std::span<float> logits) = 0;
  virtual std::string backend_name() const = 0;

  virtual const model_config& config() const = 0;
  virtual const quant::quantization_plan& quantization() const = 0;
  // The paged KV cache: num_blocks() blocks of block_size() tokens.
  virtual int num_blocks() const = 0;
  virtual int block_size() const = 0;
  // Bytes the weights and the KV cache take on the executor's device.
  virtual std::size_t weight_bytes() const = 0;
  virtual std::size_t kv_cache_bytes() const = 0;
};

}  // namespace moeserve::model
