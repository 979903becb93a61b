#include "cpu/cpu_executor.hpp"

#include <algorithm>
#include <stdexcept>

namespace moeserve::cpu {

int kv_blocks_for_bytes(const model::model_config& c, int block_size, std::int64_t bytes, int max_model_len,
                        quant::kv_cache_format format) {
  const std::int64_t per_token_head = format == quant::kv_cache_format::auto_
                                          ? std::int64_t{c.head_dim} * static_cast<std::int64_t>(sizeof(float))
                                          : std::int64_t{c.head_dim} + static_cast<std::int64_t>(sizeof(float));
  const std::int64_t per_block = std::int64_t{2} * c.num_layers * c.num_kv_heads * per_token_head * block_size;
  const std::int64_t one_sequence = (max_model_len + block_size - 1) / block_size;
  return static_cast<int>(std::max(one_sequence, bytes / per_block));
}

cpu_executor::cpu_executor(const model::model_files& files, const cpu_executor_options& options)
    : options_(options), backend_(options.threads), model_(files, backend_, options.quantization) {
  if (options.block_size < 1 || options.num_blocks < 1)
    throw std::invalid_argument("cpu_executor: block_size and num_blocks must be positive");
  backend_.allocate_kv_cache(model_.kv_spec(options.block_size, options.num_blocks));
}

void cpu_executor::forward(const model::step_batch& batch, std::span<float> logits) { model_.forward(batch, logits); }

model::step_result cpu_executor::execute(const model::step_plan& plan) {
  return samplers_.run(plan, model_.config().vocab_size,
                       [this](const model::step_batch& batch, std::span<float> logits) { model_.forward(batch, logits); });
}

}  // namespace moeserve::cpu
