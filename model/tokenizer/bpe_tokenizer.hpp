#pragma once
// Byte-level BPE (GPT-2 style), as Hugging Face tokenizers encodes it: the tokenizer of
// GPT-2, Llama-3, Qwen2, SmolLM2 and most GGUF files with tokenizer.ggml.model = "gpt2".
//
//   prompt ─► added tokens ─► pre-tokenizer ─► per piece: bytes ─► merges ─► ids
//             (added_token_    (PCRE2 regexes,   (a piece seen before comes
//              splitter)        pre_tokenizer)     from the per-thread word cache)
//
// BPE runs on raw bytes: a piece's initial symbols are the ids of its single bytes (the
// tokens spelled with one byte-level character), merged by bpe_word_merger with the
// vocabulary's merge table. Results are identical to Hugging Face's ByteLevel + BPE for
// the same vocabulary and pre-tokenizer (checked over a 1 MB corpus by
// tests/model/tokenizer/hf_agreement.py).
//
// Performance: the word cache is per thread and per tokenizer (no locks; a thread serving
// several tokenizers keeps the caches of the last four, each at most cache_entries words and
// 8 MiB), merges are found in a flat hash table keyed by the 64-bit pair of ids, and encoding
// allocates nothing per piece.
//
// Thread-safety: immutable after construction; all const members may run concurrently.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/added_token_splitter.hpp"
#include "model/tokenizer/bpe_merge_table.hpp"
#include "model/tokenizer/bpe_vocabulary.hpp"
#include "model/tokenizer/pre_tokenizer.hpp"
#include "model/tokenizer/string_map.hpp"
#include "model/tokenizer/token_surfaces.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace moeserve::model {

struct bpe_thread_state;

class bpe_tokenizer final : public tokenizer {
 public:
  struct options {
    bool word_cache = true;
    std::size_t cache_entries = 1 << 16;      // per thread
    std::size_t max_cached_word_bytes = 256;  // longer pieces are merged every time
  };

  // Builds the tokenizer; throws tokenizer_error if the vocabulary is inconsistent (a
  // merge naming an unknown token, an added token id out of range, a bad regex).
  explicit bpe_tokenizer(bpe_vocabulary vocabulary) : bpe_tokenizer(std::move(vocabulary), options{}) {}
  bpe_tokenizer(bpe_vocabulary vocabulary, options opts);

  void encode_segments_into(std::span<const text_segment> segments, std::vector<token_id>& out) const override;

  // Encodes valid UTF-8 as plain text, with no added-token matching at all: pre-tokenize,
  // then BPE each piece.
  void encode_plain(std::string_view text, std::vector<token_id>& out) const;

  std::size_t token_count() const noexcept override { return pieces_.size(); }
  const special_token_ids& special_ids() const noexcept override { return special_ids_; }
  std::string_view token_piece(token_id id) const noexcept override;
  token_id piece_to_id(std::string_view piece) const noexcept override;
  const token_surface_table& surfaces() const noexcept override { return surfaces_; }

  const std::vector<added_token>& added_tokens() const noexcept { return splitter_.tokens(); }
  std::size_t merge_count() const noexcept { return merges_.size(); }
  // What the vocabulary's source asked for that is not done (e.g. an NFC normalizer).
  const std::vector<std::string>& notes() const noexcept { return notes_; }

 private:
  void encode_piece(std::string_view piece, bpe_thread_state& state, std::vector<token_id>& out) const;
  bpe_thread_state& thread_state() const;

  std::vector<std::string> pieces_;
  string_map<token_id> piece_ids_;
  string_map<token_id> byte_string_ids_;  // raw bytes -> id; only with ignore_merges
  std::array<token_id, 256> byte_ids_{};  // the token of each single byte (no_token: none)
  bpe_merge_table merges_;
  pre_tokenizer pre_tokenizer_;
  added_token_splitter splitter_;
  token_surface_table surfaces_{token_surface_table::style::byte_level, utf8::repair_policy::maximal_subpart};
  special_token_ids special_ids_;
  bool ignore_merges_ = false;
  options options_;
  std::uint64_t instance_ = 0;  // identifies this tokenizer's per-thread caches
  std::vector<std::string> notes_;
};

}  // namespace moeserve::model
