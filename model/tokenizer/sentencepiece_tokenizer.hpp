#pragma once
// SentencePiece models (tokenizer.model, as ERNIE-4.5 and Llama-2-era models ship) behind the
// tokenizer interface, encoding through the SentencePiece library itself.
//
//   prompt ─► added tokens ─► each plain stretch: SentencePieceProcessor::Encode ─► ids
//
// Added tokens: the model's control pieces ("<s>", "</s>", "<|end_of_sentence|>") and its
// unknown piece are special tokens, matched in trusted text only (SentencePiece never
// produces them from text); user-defined pieces are matched by SentencePiece itself, in all
// text. `extra_tokens` adds tokens the model file lacks (a tokenizer_config.json's
// added_tokens_decoder), with ids past the pieces or overriding them.
//
// Each plain stretch is one Encode call, so the model's normalizer (and its dummy prefix,
// the '▁' it puts before the text) applies per stretch: "<s>hello" encodes "hello" as
// "▁hello" when add_dummy_prefix is set, as transformers' slow tokenizers do with
// legacy=True. Two options reproduce transformers' non-legacy tokenizers instead (its
// Ernie4_5Tokenizer, with ERNIE-4.5's tokenizer.model, uses both):
//   add_dummy_prefix = false   the model is loaded with normalizer_spec.add_dummy_prefix
//                              off (a second NormalizerSpec merged into the file's, as
//                              transformers does)
//   keep_leading_space = true  a stretch starting with ' ' or '▁' is encoded as the unknown
//                              piece's text followed by the stretch, and the ids of that
//                              text are dropped, so the normalizer cannot strip the space:
//                              " Hey" -> "▁Hey", not "He" "y"
//
// Decoding follows SentencePiece's Decode (token_surfaces.hpp) without calling it, so that
// decode() and the streaming detokenizer agree; a model with a denormalizer is decoded
// without it (a note says so).
//
// Thread-safety: immutable after construction; all const members may run concurrently
// (SentencePieceProcessor's const methods are thread-safe).

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/added_token_splitter.hpp"
#include "model/tokenizer/sentencepiece_model_info.hpp"
#include "model/tokenizer/string_map.hpp"
#include "model/tokenizer/token_surfaces.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace moeserve::model {

class sentencepiece_tokenizer final : public tokenizer {
 public:
  struct options {
    std::vector<added_token> extra_tokens;
    std::optional<bool> add_dummy_prefix;  // overrides the model's normalizer_spec
    bool keep_leading_space = false;
    // Overrides of the model's own bos/eos/pad/unk (its trainer spec); no_token keeps them.
    special_token_ids special_ids;
  };

  // Loads a serialized model (the bytes of tokenizer.model); `origin` names it in errors.
  // Throws tokenizer_error if SentencePiece rejects it or an extra token's id is negative.
  sentencepiece_tokenizer(std::string serialized_model, std::string_view origin, options opts);
  explicit sentencepiece_tokenizer(std::string serialized_model);
  ~sentencepiece_tokenizer() override;

  static std::unique_ptr<sentencepiece_tokenizer> load(const std::filesystem::path& path);
  static std::unique_ptr<sentencepiece_tokenizer> load(const std::filesystem::path& path, options opts);

  void encode_segments_into(std::span<const text_segment> segments, std::vector<token_id>& out) const override;

  // Encodes valid UTF-8 with SentencePiece alone (no added-token matching).
  void encode_plain(std::string_view text, std::vector<token_id>& out) const;

  std::size_t token_count() const noexcept override { return pieces_.size(); }
  const special_token_ids& special_ids() const noexcept override { return special_ids_; }
  std::string_view token_piece(token_id id) const noexcept override;
  token_id piece_to_id(std::string_view piece) const noexcept override;
  const token_surface_table& surfaces() const noexcept override { return surfaces_; }

  const sentencepiece_model_info& model_info() const noexcept { return info_; }
  const sentencepiece::SentencePieceProcessor& processor() const noexcept { return *processor_; }
  const std::vector<std::string>& notes() const noexcept { return notes_; }

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  sentencepiece_model_info info_;
  std::vector<std::string> pieces_;
  string_map<token_id> piece_ids_;
  added_token_splitter splitter_;
  token_surface_table surfaces_{token_surface_table::style::sentencepiece, utf8::repair_policy::each_byte};
  special_token_ids special_ids_;
  bool keep_leading_space_ = false;
  std::string unk_text_;             // the unknown piece's text, for keep_leading_space
  std::size_t unk_text_length_ = 0;  // how many ids SentencePiece makes of it
  std::vector<std::string> notes_;
};

}  // namespace moeserve::model
