#pragma once
// Reads a Hugging Face tokenizer.json of a byte-level BPE model into a bpe_vocabulary.
//
// Understood (anything else is rejected with a tokenizer_error naming the JSON path):
//   model           {"type": "BPE", "vocab": {token: id}, "merges": ["a b", ...] or
//                    [["a", "b"], ...], "ignore_merges", "unk_token"}; no subword prefix or
//                    word suffix (those are WordPiece-style BPEs, not byte-level ones)
//   added_tokens    [{"id", "content", "special", "single_word", "lstrip", "rstrip",
//                    "normalized"}]
//   pre_tokenizer   null, or Sequence / Split / Digits / ByteLevel (it must contain a
//                    ByteLevel); see pre_tokenizer_config.hpp
//   normalizer      null; NFC is accepted but not applied (a note says so: text that is not
//                    in NFC may encode differently than with HF)
//   post_processor  TemplateProcessing: a leading special token sets bos and add_bos, a
//                    trailing one eos and add_eos; other processors are ignored
//   decoder         ignored (byte-level decoding is implied)
//
// tokenizer.json names no eos/eot/pad (those are in tokenizer_config.json and
// generation_config.json): set them in the returned vocabulary's special_ids.

#include <filesystem>
#include <string_view>

#include "model/tokenizer/bpe_vocabulary.hpp"

namespace moeserve::model {

// `origin` names the source in error messages (a path).
bpe_vocabulary parse_tokenizer_json(std::string_view json, std::string_view origin = "tokenizer.json");

// Reads and parses a file; throws tokenizer_error if it cannot be read.
bpe_vocabulary read_tokenizer_json(const std::filesystem::path& path);

}  // namespace moeserve::model
