#pragma once
// A token matched in the text before pre-tokenization (Hugging Face's AddedToken): the
// special tokens of a chat format ("<|im_start|>"), and tokens a fine-tune added.

#include <string>

#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

struct added_token {
  token_id id = no_token;
  std::string content;       // matched byte for byte
  bool special = true;       // matched only in trusted text; skipped when decoding with skip_special_tokens
  bool single_word = false;  // matched only where no word character touches it on either side
  bool lstrip = false;       // also takes the whitespace before it
  bool rstrip = false;       // also takes the whitespace after it
  bool normalized = false;   // HF matches it in a second pass, on what the first pass left
};

}  // namespace moeserve::model
