#pragma once
// cpu_executor: runs step plans (model/backend/step_plan.hpp) on the CPU backend: the
// model's forward over the plan's ragged batch, then each sampling sequence's next token
// from its own sampler. It owns the backend (weights, the paged KV cache of `num_blocks`
// blocks, threads), the model and the per-sequence state:
//
//   sampler      created at a sequence's first plan (seeded by its sampling_params, else
//                from the system's entropy), kept until a plan releases the id, so that a
//                seeded stream continues across steps and across a recompute
//   history      the sequence's tokens by position (penalties read them): a plan's tokens
//                overwrite it from their first position on
//
// A step that throws (bad batch, bad parameters) comes back as a step_result with an
// error; the executor stays usable. Threading: one caller at a time (the Executor actor).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "cpu/sampler.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/backend/step_executor.hpp"
#include "model/backend/step_plan.hpp"

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
  // Logits of every logit row of `batch` (rows x vocab), for teacher-forced scoring.
  void forward(const model::step_batch& batch, std::span<float> logits);

  const model::model_config& config() const { return model_.config(); }
  std::string backend_name() const override { return backend_.name(); }
  const quant::quantization_plan& quantization() const { return model_.plan(); }
  std::size_t weight_bytes() const { return model_.weight_bytes(); }
  std::size_t kv_cache_bytes() const { return backend_.cache().bytes(); }
  int block_size() const { return options_.block_size; }
  int num_blocks() const { return options_.num_blocks; }
  std::size_t live_sequences() const { return sequences_.size(); }

 private:
  struct sequence_state {
    std::unique_ptr<sampler> picker;
    std::vector<int> history;
  };

  cpu_executor_options options_;
  cpu_backend backend_;
  model::decoder_model model_;
  std::unordered_map<model::sequence_id, sequence_state> sequences_;
  std::vector<float> logits_;
};

}  // namespace moeserve::cpu
