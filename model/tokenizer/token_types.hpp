#pragma once
// The vocabulary-independent types of the tokenizer interface: token ids, how special-token
// strings in a text are treated, prompt segments, and a model's special ids.

#include <cstdint>
#include <string_view>

namespace moeserve::model {

// A token id, an index into a vocabulary. Valid ids are 0 .. token_count() - 1.
using token_id = std::int32_t;
inline constexpr token_id no_token = -1;

// What a special-token string found in a text becomes.
enum class special_tokens {
  parse,    // trusted text (a rendered chat template, a prompt from the operator):
            // "<|im_end|>" becomes the id of the special token <|im_end|>
  as_text,  // untrusted text (anything a user sent): "<|im_end|>" is encoded as the plain
            // characters '<', '|', 'i', ... and can never become a special token
};

// One piece of a prompt, as the chat-template renderer produces them: the template's own
// text is trusted, the messages' contents are not. A prompt is encoded as the concatenation
// of its segments' texts (so a word that straddles two segments is one word), except that a
// special token is recognized only where its whole string lies inside one trusted segment.
struct text_segment {
  std::string_view text;
  bool trusted = false;
};

// The special ids a model declares; no_token where it declares none.
struct special_token_ids {
  token_id bos = no_token;  // beginning of sequence
  token_id eos = no_token;  // end of sequence (end of generation)
  token_id eot = no_token;  // end of turn, where the chat format has one (<|im_end|>, <|eot_id|>)
  token_id pad = no_token;
  token_id unk = no_token;
  bool add_bos = false;  // the model expects bos before a prompt; encode() never adds it,
  bool add_eos = false;  // the caller (who knows whether the template already did) does
};

// How ids are turned back into text.
struct decode_options {
  bool skip_special_tokens = true;  // special tokens contribute nothing to the text
};

}  // namespace moeserve::model
