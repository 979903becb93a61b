#pragma once
// synthetic_executor: a step executor that runs no model, for measuring the server's own
// cost (HTTP, JSON, actor hops, scheduling, detokenization, SSE) per streamed token. Each
// step answers at once: every sampling sequence gets the next token of a fixed cycle of
// ordinary vocabulary ids (never an end id below `first_token`), logprob -1, and the asked
// number of alternatives. Used only by bench/serving/frontend_server.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/runner/step_executor.hpp"

namespace moeserve::bench {

class synthetic_executor final : public model::step_executor {
 public:
  // Tokens cycle through [first_token, first_token + cycle); the scheduler is given
  // num_blocks KV blocks of block_size tokens (no memory behind them).
  synthetic_executor(const model::model_config& config, const quant::quantization_plan& plan, int block_size,
                     int num_blocks, std::int32_t first_token, std::int32_t cycle)
      : config_(config), plan_(plan), block_size_(block_size), num_blocks_(num_blocks), first_(first_token),
        cycle_(std::max(1, cycle)) {}

  model::step_result execute(const model::step_plan& plan) override {
    model::step_result r;
    r.step = plan.step;
    for (std::size_t i = 0; i < plan.sequences.size(); ++i) {
      const auto& s = plan.sequences[i];
      if (!s.samples) continue;
      model::sampled_token t;
      t.id = s.id;
      t.token = first_ + static_cast<std::int32_t>((plan.step + s.id) % static_cast<std::uint64_t>(cycle_));
      t.logprob = -1.0f;
      for (int k = 0; k < s.top_logprobs; ++k) t.top.emplace_back(first_ + k, -1.0f - static_cast<float>(k));
      r.tokens.push_back(std::move(t));
    }
    return r;
  }
  void forward(const model::step_batch&, std::span<float>) override {
    throw std::invalid_argument("the synthetic executor computes no logits");
  }
  std::string backend_name() const override { return "synthetic (no model)"; }
  const model::model_config& config() const override { return config_; }
  const quant::quantization_plan& quantization() const override { return plan_; }
  int num_blocks() const override { return num_blocks_; }
  int block_size() const override { return block_size_; }
  std::size_t weight_bytes() const override { return 0; }
  std::size_t kv_cache_bytes() const override { return 0; }

 private:
  model::model_config config_;
  quant::quantization_plan plan_;
  int block_size_;
  int num_blocks_;
  std::int32_t first_;
  std::int32_t cycle_;
};

}  // namespace moeserve::bench
