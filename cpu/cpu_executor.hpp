#pragma once
// cpu_executor: runs step plans (model/runner/step_plan.hpp) on the CPU backend: the
// model's forward over the plan's ragged batch, then each sampling sequence's next token
// from its own sampler. It owns the backend (weights, the paged KV cache of `num_blocks`
// blocks, threads), the model and the per-sequence sampler state
// (model/runner/sequence_samplers.hpp).
//
// A step that throws (bad batch, bad parameters) comes back as a step_result with an
// error; the executor stays usable. Threading: one caller at a time (the Executor actor).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "model/runner/sequence_samplers.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/runner/step_executor.hpp"
#include "model/runner/step_plan.hpp"

namespace moeserve::cpu {

struct cpu_executor_options {
  int threads = 0;  // 0: one per hardware thread
  int block_size = 64;
  int num_blocks = 0;
  // Weight formats and KV cache format (model::resolve_model_quantization); default: none.
  quant::quantization_plan quantization;
};

// The blocks of the CPU's KV cache (FP32, or int8/fp8 codes plus one FP32 scale per token
// per KV head) that `bytes` hold for this model, but at least enough for one sequence of
// max_model_len tokens.
int kv_blocks_for_bytes(const model::model_config& config, int block_size, std::int64_t bytes, int max_model_len,
                        quant::kv_cache_format format = quant::kv_cache_format::auto_);

class cpu_executor final : public model::step_executor {
 public:
  // `files` must outlive the executor. Throws load_error / config_error / invalid_argument.
  cpu_executor(const model::model_files& files, const cpu_executor_options& options);

  model::step_result execute(const model::step_plan& plan) override;
  void forward(const model::step_batch& batch, std::span<float> logits) override;
  std::string backend_name() const override { return backend_.name(); }

  const model::model_config& config() const override { return model_.config(); }
  const quant::quantization_plan& quantization() const override { return model_.plan(); }
  std::size_t weight_bytes() const override { return model_.weight_bytes(); }
  std::size_t kv_cache_bytes() const override { return backend_.cache().bytes(); }
  int block_size() const override { return options_.block_size; }
  int num_blocks() const override { return options_.num_blocks; }
  std::size_t live_sequences() const { return samplers_.live(); }

 private:
  cpu_executor_options options_;
  cpu_backend backend_;
  model::decoder_model model_;
  model::sequence_samplers samplers_;
};

}  // namespace moeserve::cpu
