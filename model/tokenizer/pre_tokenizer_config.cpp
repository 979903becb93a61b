#include "model/tokenizer/pre_tokenizer_config.hpp"

namespace moeserve::model {

std::vector<pre_tokenizer_step> pre_tokenizer_steps(pre_tokenizer_kind kind) {
  switch (kind) {
    case pre_tokenizer_kind::gpt2:
      return {{std::string(gpt2_pattern)}};
    case pre_tokenizer_kind::llama3:
      return {{std::string(llama3_pattern)}};
    case pre_tokenizer_kind::qwen2:
      return {{std::string(qwen2_pattern)}};
    case pre_tokenizer_kind::smollm:
      return {{std::string(digit_pattern)}, {std::string(gpt2_pattern)}};
  }
  return {};
}

std::string_view to_string(pre_tokenizer_kind kind) noexcept {
  switch (kind) {
    case pre_tokenizer_kind::gpt2:
      return "gpt2";
    case pre_tokenizer_kind::llama3:
      return "llama3";
    case pre_tokenizer_kind::qwen2:
      return "qwen2";
    case pre_tokenizer_kind::smollm:
      return "smollm";
  }
  return "?";
}

std::optional<pre_tokenizer_kind> pre_tokenizer_kind_from_gguf(std::string_view name) noexcept {
  if (name == "gpt-2" || name == "gpt2") return pre_tokenizer_kind::gpt2;
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3") return pre_tokenizer_kind::llama3;
  if (name == "qwen2") return pre_tokenizer_kind::qwen2;
  if (name == "smollm") return pre_tokenizer_kind::smollm;
  return std::nullopt;
}

bool ignores_merges(pre_tokenizer_kind kind) noexcept { return kind == pre_tokenizer_kind::llama3; }

}  // namespace moeserve::model
