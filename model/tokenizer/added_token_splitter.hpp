#pragma once
// Finds added tokens in a text, the way Hugging Face's AddedVocabulary does, and splits the
// text into plain stretches (to be pre-tokenized) and added tokens.
//
//   - Matching is leftmost-longest: scanning left to right, the first position where some
//     token matches wins, and among the tokens that match there the longest.
//   - Two passes: tokens with normalized == false over the whole text, then tokens with
//     normalized == true over the plain stretches the first pass left.
//   - A special token that is not allowed where it was found (untrusted text) is not
//     taken, and the scan resumes after it: its characters become plain text and no other
//     added token is looked for inside it (HF's encode_special_tokens does the same).
//   - single_word, lstrip and rstrip as in HF: a word character is Rust regex's \w
//     (Alphabetic, marks, decimal digits, connector punctuation, joiners), whitespace is
//     Unicode's White_Space.
//
//   tokens {"<|im_end|>" special}, text "hi<|im_end|>\n", all trusted
//     -> text [0,2) "hi", token <|im_end|> [2,12), text [12,13) "\n"
//
// Thread-safety: immutable after construction; split() may run in many threads at once.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "model/tokenizer/added_token.hpp"
#include "model/tokenizer/regex_pattern.hpp"

namespace moeserve::model {

// A byte range [begin, end) of a text.
struct text_range {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// One part of a split text: plain text (id == no_token) or one added token.
struct text_span {
  std::size_t begin = 0;
  std::size_t end = 0;
  token_id id = no_token;
};

class added_token_splitter {
 public:
  added_token_splitter() = default;
  // Tokens whose content is empty or not valid UTF-8 are never matched.
  explicit added_token_splitter(std::vector<added_token> tokens);

  bool empty() const noexcept { return tokens_.empty(); }
  const std::vector<added_token>& tokens() const noexcept { return tokens_; }

  // Splits `text` (valid UTF-8) into `out` (cleared first). A special token is taken only
  // where [begin, end) lies inside one of `trusted` (sorted, disjoint ranges); a non-special
  // one anywhere.
  void split(std::string_view text, std::span<const text_range> trusted, std::vector<text_span>& out) const;

 private:
  struct token_set {
    // order[bucket[b] .. bucket[b + 1]) are the tokens starting with byte b, longest first.
    std::array<std::uint32_t, 257> bucket{};
    std::vector<std::uint32_t> order;
    bool empty() const noexcept { return order.empty(); }
  };

  static token_set make_set(const std::vector<added_token>& tokens, bool normalized);
  void split_pass(std::string_view text, text_range sentence, const token_set& set, std::span<const text_range> trusted,
                  std::vector<text_span>& out) const;
  bool is_word_character_at(std::string_view text, std::size_t pos) const;

  std::vector<added_token> tokens_;
  token_set raw_;
  token_set normalized_;
  std::optional<regex_pattern> word_character_;  // only when some token is single_word
};

}  // namespace moeserve::model
