#include "model/runner/sequence_samplers.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace moeserve::model {

void sequence_samplers::begin(const step_plan& plan) {
  for (const auto id : plan.released) sequences_.erase(id);
  if (plan.sequences.size() != plan.batch.sequences.size())
    throw std::invalid_argument("step plan: one planned sequence per batch sequence expected");
  static thread_local std::random_device entropy;
  for (std::size_t i = 0; i < plan.sequences.size(); ++i) {
    const auto& ps = plan.sequences[i];
    auto& s = sequences_[ps.id];
    if (!s.picker) {
      const std::uint64_t seed = (std::uint64_t{entropy()} << 32) | entropy();
      s.picker = std::make_unique<sampler>(ps.sampling, seed);
    }
    const auto& slice = plan.batch.sequences[i];
    const auto first = static_cast<std::size_t>(slice.first_token);
    if (slice.token_count < 1 || first + static_cast<std::size_t>(slice.token_count) > plan.batch.tokens.size() ||
        plan.batch.positions.size() != plan.batch.tokens.size())
      throw std::invalid_argument("step plan: a sequence's tokens lie outside the batch");
    s.history.resize(static_cast<std::size_t>(std::max(0, plan.batch.positions[first])));
    for (int t = 0; t < slice.token_count; ++t) s.history.push_back(plan.batch.tokens[first + static_cast<std::size_t>(t)]);
  }
}

std::vector<sampled_token> sequence_samplers::sample(const step_plan& plan, std::span<float> logits, int vocab) {
  const auto v = static_cast<std::size_t>(vocab);
  std::vector<sampled_token> out;
  std::size_t row = 0;
  for (const auto& ps : plan.sequences) {
    if (!ps.samples) continue;
    if (row >= plan.batch.logit_rows.size() || (row + 1) * v > logits.size())
      throw std::invalid_argument("step plan: fewer logit rows than samplers");
    auto& s = sequences_.at(ps.id);
    const std::span<const int> history(s.history);
    const auto prompt_len = std::min(static_cast<std::size_t>(std::max(0, ps.prompt_len)), history.size());
    const auto r = s.picker->sample(logits.subspan(row * v, v), history.first(prompt_len), history.subspan(prompt_len),
                                    ps.top_logprobs, ps.logprobs);
    sampled_token t;
    t.id = ps.id;
    t.token = r.token;
    t.logprob = r.logprob;
    for (const auto& alt : r.top) t.top.emplace_back(alt.token, alt.logprob);
    out.push_back(std::move(t));
    ++row;
  }
  return out;
}

step_result sequence_samplers::run(const step_plan& plan, int vocab,
                                   const std::function<void(const step_batch&, std::span<float>)>& forward) {
  step_result result;
  result.step = plan.step;
  try {
    begin(plan);
    logits_.resize(plan.batch.logit_rows.size() * static_cast<std::size_t>(vocab));
    forward(plan.batch, logits_);
    result.tokens = sample(plan, logits_, vocab);
  } catch (const std::exception& e) {
    result.tokens.clear();
    result.error = e.what();
  }
  return result;
}

}  // namespace moeserve::model
