#include "cpu/cpu_executor.hpp"

#include <algorithm>
#include <random>
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
  model::step_result result;
  result.step = plan.step;
  for (const auto id : plan.released) sequences_.erase(id);
  try {
    if (plan.sequences.size() != plan.batch.sequences.size())
      throw std::invalid_argument("step plan: one planned sequence per batch sequence expected");
    static thread_local std::random_device entropy;
    for (std::size_t i = 0; i < plan.sequences.size(); ++i) {
      const auto& ps = plan.sequences[i];
      auto& state = sequences_[ps.id];
      if (!state.picker) {
        const std::uint64_t seed = (std::uint64_t{entropy()} << 32) | entropy();
        state.picker = std::make_unique<sampler>(ps.sampling, seed);
      }
      const auto& slice = plan.batch.sequences[i];
      const auto first = static_cast<std::size_t>(slice.first_token);
      state.history.resize(static_cast<std::size_t>(plan.batch.positions[first]));
      for (int t = 0; t < slice.token_count; ++t) state.history.push_back(plan.batch.tokens[first + static_cast<std::size_t>(t)]);
    }
    const auto vocab = static_cast<std::size_t>(model_.config().vocab_size);
    logits_.resize(plan.batch.logit_rows.size() * vocab);
    model_.forward(plan.batch, logits_);
    std::size_t row = 0;
    for (const auto& ps : plan.sequences) {
      if (!ps.samples) continue;
      if (row >= plan.batch.logit_rows.size()) throw std::invalid_argument("step plan: fewer logit rows than samplers");
      auto& state = sequences_.at(ps.id);
      const std::span<const int> history(state.history);
      const auto prompt_len = std::min(static_cast<std::size_t>(ps.prompt_len), history.size());
      const auto r = state.picker->sample(std::span<float>(logits_.data() + row * vocab, vocab), history.first(prompt_len),
                                          history.subspan(prompt_len), ps.top_logprobs, ps.logprobs);
      model::sampled_token t;
      t.id = ps.id;
      t.token = r.token;
      t.logprob = r.logprob;
      for (const auto& alt : r.top) t.top.emplace_back(alt.token, alt.logprob);
      result.tokens.push_back(std::move(t));
      ++row;
    }
  } catch (const std::exception& e) {
    result.tokens.clear();
    result.error = e.what();
  }
  return result;
}

}  // namespace moeserve::cpu
