#pragma once
// The tokenizer of a GGUF file, built from its tokenizer.ggml.* metadata as
// bpe_vocabulary.hpp describes (byte-level BPE, tokenizer.ggml.model = "gpt2").
// Throws tokenizer_error for other tokenizer models or an unknown pre-tokenizer name.
#include <memory>

#include "model/io/gguf_file.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace moeserve::model {

std::unique_ptr<tokenizer> tokenizer_from_gguf(const gguf_file& file);

}  // namespace moeserve::model
