#pragma once
// gpu_executor: model::step_executor on one CUDA device (GPU_EXECUTOR.md), the CPU
// executor's sibling over the same model::decoder_model. Start-up, in vLLM's and
// mini-sglang's order:
//
//   1. weights      every tensor through gpu_backend (pinned staging, one layer at a time;
//                   the experts of a MoE layer stacked)
//   2. warm-up      one step at the largest batch (max_num_batched_tokens tokens over
//                   min(max_num_seqs, tokens) sequences) on a provisional KV cache: it
//                   fixes the activation arena and makes cuBLAS's and the MoE layers'
//                   workspaces, so nothing is allocated in a step afterwards
//   3. KV cache     blocks = (total * gpu_memory_utilization - what this executor took
//                   for weights and activations) / block bytes; fewer than one sequence of
//                   max_model_len needs is a gpu_executor_error that says how much is
//                   needed and how much is there. As in vLLM, other processes' memory is
//                   not counted against the share, but the share must be free at start.
//
// A step: the plan's batch uploaded (one copy), the forward pass on the backend's stream,
// the logits of the sampling rows copied back (the only wait), then each sequence's
// token from the reference sampler (model/runner/sequence_samplers.hpp), so a seeded
// request gives the CPU's tokens wherever the logits agree. Sampling on the device is
// not implemented yet: the copy is rows x vocab floats.
//
// Only BF16 weights and a BF16 KV cache so far: a quantization plan that quantizes
// anything is refused at construction. Threading: one caller at a time (the Executor
// actor's thread); each call makes the device current on the calling thread.
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/runner/gpu_backend.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/runner/sequence_samplers.hpp"
#include "model/runner/step_executor.hpp"

namespace moeserve::gpu {

class gpu_executor_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct gpu_executor_options {
  int device = 0;
  int block_size = 64;
  int max_model_len = 0;  // resolved
  int max_num_seqs = 64;
  int max_num_batched_tokens = 2048;
  double gpu_memory_utilization = 0.9;
  quant::quantization_plan quantization;
};

class gpu_executor final : public model::step_executor {
 public:
  // `files` must outlive the executor. Throws gpu_executor_error for device problems (no
  // such device, too little memory, an unsupported plan), load_error / config_error for
  // the model.
  gpu_executor(const model::model_files& files, const gpu_executor_options& options);
  ~gpu_executor() override;

  model::step_result execute(const model::step_plan& plan) override;
  void forward(const model::step_batch& batch, std::span<float> logits) override;
  std::string backend_name() const override { return backend_->name(); }

  const model::model_config& config() const override { return model_->config(); }
  const quant::quantization_plan& quantization() const override { return model_->plan(); }
  int num_blocks() const override { return num_blocks_; }
  int block_size() const override { return options_.block_size; }
  std::size_t weight_bytes() const override { return model_->weight_bytes(); }
  std::size_t kv_cache_bytes() const override { return backend_->kv_cache_bytes(); }
  // Device memory of the activation arena after the warm-up.
  std::size_t activation_bytes() const { return activation_bytes_; }

 private:
  void warm_up();
  void size_kv_cache();

  gpu_executor_options options_;
  std::unique_ptr<gpu_backend> backend_;
  std::unique_ptr<model::decoder_model> model_;
  model::sequence_samplers samplers_;
  int num_blocks_ = 0;
  std::size_t activation_bytes_ = 0;
  std::size_t free_at_start_ = 0;  // device memory free when the executor began
};

}  // namespace moeserve::gpu
