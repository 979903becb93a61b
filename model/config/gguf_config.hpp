#pragma once
// Reading a model_config from a GGUF file's metadata (`{arch}.block_count`,
// `{arch}.attention.head_count`, ...), as llama.cpp writes it. Supported GGUF
// architectures: llama, qwen3, qwen3moe. The word embedding is tied when the file has no
// `output.weight` tensor. The result is validated.
#include "model/config/model_config.hpp"
#include "model/io/gguf_file.hpp"

namespace moeserve::model {

model_config config_from_gguf(const gguf_file& file);

}  // namespace moeserve::model
