#pragma once
// Reading a Hugging Face config.json into a model_config (llama, qwen3, qwen3_moe,
// ernie4_5_moe). Keys follow transformers' configuration classes, with their defaults
// where a key is absent; newer files that keep rope_theta inside rope_parameters are
// understood too. Wrong types, non-integral sizes and out-of-range values are
// config_errors naming the key; the result is validated.
#include <filesystem>
#include <string_view>

#include "model/config/model_config.hpp"

namespace moeserve::model {

model_config parse_hf_config(std::string_view json, std::string_view source = "config.json");
model_config load_hf_config(const std::filesystem::path& config_json);

}  // namespace moeserve::model
