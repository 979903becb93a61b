#include "model/tokenizer/pre_tokenizer.hpp"

namespace moeserve::model {

pre_tokenizer::pre_tokenizer(const std::vector<pre_tokenizer_step>& steps) {
  steps_.reserve(steps.size());
  for (const pre_tokenizer_step& step : steps) {
    compiled_step c{{}, step.behavior, step.invert, step.add_prefix_space};
    if (!step.pattern.empty()) c.regex.emplace_back(step.pattern, false);  // see unicode_additions.hpp
    steps_.push_back(std::move(c));
  }
}

}  // namespace moeserve::model
