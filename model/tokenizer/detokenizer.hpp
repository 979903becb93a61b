#pragma once
// Streaming decode: token ids in, text out as soon as it is complete, never a broken UTF-8
// character across two outputs.
//
// A token may end in the middle of a character (byte-level BPE splits rare characters into
// byte tokens; SentencePiece falls back to byte pieces "<0xE4>"): the detokenizer holds such
// an incomplete tail back until the bytes that complete it arrive, or until they cannot
// (then it becomes U+FFFD, as decode() would make it). So, for any ids,
//
//   push(ids[0]) + push(ids[1]) + ... + finish()  ==  decode(ids)      (byte for byte)
//
// and every push() returns valid UTF-8.
//
//   "中" = E4 B8 AD, tokens [E4] [B8 AD]:  push -> ""   push -> "中"
//
// Ids outside the vocabulary contribute nothing (as Hugging Face's decode skips them).
// Thread-safety: none; one per stream. It reads the tokenizer's surface table, so the
// tokenizer must outlive it.

#include <cstddef>
#include <string>

#include "model/tokenizer/token_surfaces.hpp"
#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

class detokenizer {
 public:
  detokenizer(const token_surface_table& table, decode_options options);

  // Appends to `out` the text that `id` completes.
  void push(token_id id, std::string& out);
  std::string push(token_id id) {
    std::string out;
    push(id, out);
    return out;
  }

  // End of the stream: appends what is held back (an incomplete character -> U+FFFD).
  void finish(std::string& out);
  std::string finish() {
    std::string out;
    finish(out);
    return out;
  }

  // Bytes held back, waiting for the rest of a character.
  std::size_t held_bytes() const noexcept { return held_.size(); }

  // Starts a new stream.
  void reset();

 private:
  void push_sentencepiece(token_id id, std::uint8_t flags, std::string& out);
  void append_held(std::string& out, bool final);

  const token_surface_table* table_;
  decode_options options_;
  std::string held_;
  bool text_started_ = false;  // SentencePiece: some text was produced
  bool at_bos_ = true;         // SentencePiece: a leading '▁' may still be dropped
  bool bos_space_seen_ = false;
};

}  // namespace moeserve::model
