#pragma once
// The text that a prompt's segments make: their concatenation with invalid UTF-8 repaired
// (U+FFFD per maximal ill-formed subpart), and the byte ranges of the trusted segments in it.
//
//   {"<|im_start|>user\n", trusted} {"hi", untrusted}  ->  "<|im_start|>user\nhi", trusted [0,17)
//
// A single valid segment is not copied: text() views it (so the segments must outlive use).
// Thread-safety: none; a short-lived helper of one encode call.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/added_token_splitter.hpp"
#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

class prompt_text {
 public:
  explicit prompt_text(std::span<const text_segment> segments);

  std::string_view text() const noexcept { return text_; }
  std::span<const text_range> trusted() const noexcept { return trusted_; }

 private:
  std::string storage_;
  std::string_view text_;
  std::vector<text_range> trusted_;
};

}  // namespace moeserve::model
