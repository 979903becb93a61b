#pragma once
// Opens the tokenizer of a model from a file or a model directory:
//
//   *.json, or a directory with tokenizer.json     -> bpe_tokenizer (read_tokenizer_json)
//   *.model, or a directory with tokenizer.model   -> sentencepiece_tokenizer
//   (a directory with both whose tokenizer.json is not a byte-level BPE: tokenizer.model)
//
// (A GGUF's tokenizer is built by model/io/ from its metadata: bpe_vocabulary.hpp.)
// Throws tokenizer_error if there is none or it cannot be read.

#include <filesystem>
#include <memory>

#include "model/tokenizer/tokenizer.hpp"

namespace moeserve::model {

std::unique_ptr<tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace moeserve::model
