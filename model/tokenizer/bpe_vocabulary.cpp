#include "model/tokenizer/bpe_vocabulary.hpp"

namespace moeserve::model {

std::optional<bpe_merge> parse_merge(std::string_view line) {
  if (line.size() < 3) return std::nullopt;
  const std::size_t space = line.find(' ', 1);
  if (space == std::string_view::npos || space + 1 >= line.size()) return std::nullopt;
  return bpe_merge{std::string(line.substr(0, space)), std::string(line.substr(space + 1))};
}

bool apply_gguf_pre(bpe_vocabulary& vocabulary, std::string_view pre) {
  const std::optional<pre_tokenizer_kind> kind = pre_tokenizer_kind_from_gguf(pre);
  if (!kind) return false;
  vocabulary.pre_tokenizer = pre_tokenizer_steps(*kind);
  vocabulary.ignore_merges = ignores_merges(*kind);
  return true;
}

}  // namespace moeserve::model
