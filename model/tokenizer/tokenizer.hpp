#pragma once
// The tokenizer interface the serving path uses, whatever the model's vocabulary is:
// byte-level BPE (bpe_tokenizer.hpp) or SentencePiece (sentencepiece_tokenizer.hpp).
//
//   text ──encode──► ids ──decode / detokenizer──► text
//
// Trusted and untrusted text: encode(text, special_tokens::parse) turns special-token
// strings ("<|im_start|>") into special tokens; special_tokens::as_text encodes them as
// plain characters, so a user cannot forge a turn boundary. A chat prompt mixes both;
// encode_segments() takes the renderer's segments and recognizes special tokens only inside
// the trusted ones, while encoding the text as one string (a word that straddles two
// segments is still one word):
//
//   {"<|im_start|>user\n", trusted} {"hi <|im_end|>", untrusted} {"<|im_end|>\n", trusted}
//     -> <|im_start|> "user" "\n" "hi" " <|" "im" "_end" "|>" <|im_end|> "\n"
//
// Invalid UTF-8 input is repaired before anything else: each maximal ill-formed subpart
// becomes U+FFFD (so encode("a\xFFb") == encode("a\uFFFDb")); encoding never fails.
// encode() never adds bos/eos; special_ids().add_bos says whether the model wants one.
//
// Thread-safety: every member function is const and may be called from any number of
// threads at once (the tokenizer pool shares one tokenizer).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/detokenizer.hpp"
#include "model/tokenizer/token_surfaces.hpp"
#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

class tokenizer {
 public:
  virtual ~tokenizer() = default;

  // Appends the ids of the prompt made of `segments` to `out`.
  virtual void encode_segments_into(std::span<const text_segment> segments, std::vector<token_id>& out) const = 0;

  std::vector<token_id> encode_segments(std::span<const text_segment> segments) const;
  void encode_into(std::string_view text, special_tokens mode, std::vector<token_id>& out) const;
  std::vector<token_id> encode(std::string_view text, special_tokens mode) const;

  // The text of `ids`; always valid UTF-8 (see detokenizer.hpp for the streaming form).
  std::string decode(std::span<const token_id> ids, decode_options options = {}) const;

  // A streaming decoder over this tokenizer (which must outlive it).
  detokenizer make_detokenizer(decode_options options = {}) const { return detokenizer(surfaces(), options); }

  // Number of token ids (the vocabulary size, added tokens included).
  virtual std::size_t token_count() const noexcept = 0;

  virtual const special_token_ids& special_ids() const noexcept = 0;

  // Whether `id` is a special token (skipped by decode with skip_special_tokens).
  bool is_special(token_id id) const noexcept {
    return surfaces().contains(id) && (surfaces().flags(id) & token_surface_table::special) != 0;
  }

  // The vocabulary's spelling of a token ("Ġthe" for byte-level BPE, "▁the" or "<0x0A>"
  // for SentencePiece); empty for an id outside the vocabulary.
  virtual std::string_view token_piece(token_id id) const noexcept = 0;

  // The id spelled `piece` in the vocabulary (added tokens included), or no_token.
  virtual token_id piece_to_id(std::string_view piece) const noexcept = 0;

  // The bytes a token contributes to text (possibly part of a UTF-8 character; what the
  // OpenAI API's logprobs "bytes" field shows); empty for an id outside the vocabulary.
  std::string_view token_bytes(token_id id) const noexcept {
    return surfaces().contains(id) ? surfaces().surface(id) : std::string_view{};
  }

  virtual const token_surface_table& surfaces() const noexcept = 0;
};

}  // namespace moeserve::model
