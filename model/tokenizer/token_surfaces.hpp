#pragma once
// What each token id contributes to decoded text, and the rules for joining them: the one
// table that decode() and the streaming detokenizer both read, so they cannot disagree.
//
// Byte-level BPE (Hugging Face's ByteLevel decoder):
//   surface = the token's bytes (its spelling mapped back through the byte-level alphabet;
//             a spelling outside that alphabet, e.g. an added "hello world", as it is).
//   Bytes of consecutive tokens join freely ("\xE4" + "\xB8\xAD" = "中"); invalid UTF-8 in
//   the result becomes U+FFFD per maximal subpart (String::from_utf8_lossy).
//
// SentencePiece (its Decode):
//   normal piece   the piece with U+2581 '▁' replaced by ' '; at the start of the text its
//                  leading '▁' is dropped (add_dummy_prefix or remove_extra_whitespaces)
//   byte piece     "<0xE4>" is the byte E4; only consecutive byte pieces join, and invalid
//                  UTF-8 among them becomes one U+FFFD per byte
//   control        nothing ("<s>", "</s>"); also ends a run of byte pieces
//   unknown        the model's unk_surface (default " ⁇ ")
//
// Special tokens (flag `special`) contribute nothing when decoding with
// skip_special_tokens; otherwise their text (for SentencePiece control pieces, the piece).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/token_types.hpp"
#include "model/tokenizer/utf8.hpp"

namespace moeserve::model {

class token_surface_table {
 public:
  enum flag : std::uint8_t {
    special = 1,             // skipped with skip_special_tokens
    byte_piece = 2,          // SentencePiece byte piece: joins only with its kind
    leading_meta_space = 4,  // SentencePiece piece starting with '▁' (its surface with ' ')
    control = 8,             // SentencePiece control piece: invisible, ends byte runs
  };

  enum class style {
    byte_level,     // Hugging Face byte-level BPE
    sentencepiece,  // SentencePiece's Decode
  };

  token_surface_table() = default;
  token_surface_table(style s, utf8::repair_policy repair) : style_(s), repair_(repair) {}

  // Appends the next id's surface and flags; ids are assigned in order, 0, 1, ...
  void add(std::string_view surface, std::uint8_t flags);

  // SentencePiece: drop the first piece's leading space (add_dummy_prefix or
  // remove_extra_whitespaces), and whether spaces are dropped until text appears
  // (remove_extra_whitespaces).
  void set_leading_space_rules(bool strip_first, bool strip_all_leading) {
    strip_first_ = strip_first;
    strip_all_leading_ = strip_all_leading;
  }

  std::size_t size() const noexcept { return flags_.size(); }
  bool contains(token_id id) const noexcept { return id >= 0 && static_cast<std::size_t>(id) < flags_.size(); }
  std::string_view surface(token_id id) const noexcept {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  std::uint8_t flags(token_id id) const noexcept { return flags_[id]; }
  void set_flags(token_id id, std::uint8_t flags) noexcept { flags_[id] = flags; }

  style decoding_style() const noexcept { return style_; }
  utf8::repair_policy repair() const noexcept { return repair_; }
  bool strip_first_space() const noexcept { return strip_first_; }
  bool strip_all_leading_spaces() const noexcept { return strip_all_leading_; }

 private:
  style style_ = style::byte_level;
  utf8::repair_policy repair_ = utf8::repair_policy::maximal_subpart;
  bool strip_first_ = false;
  bool strip_all_leading_ = false;
  std::string arena_;
  std::vector<std::uint32_t> offsets_{0};
  std::vector<std::uint8_t> flags_;
};

}  // namespace moeserve::model
