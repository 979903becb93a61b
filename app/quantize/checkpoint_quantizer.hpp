#pragma once
// checkpoint_quantizer: the work of `moeserve quantize` -- a Hugging Face checkpoint in, a
// quantized Hugging Face checkpoint out, which moeserve loads with no flag.
//
//   IN/  config.json, model.safetensors (or shards + index), tokenizer files
//    |   1. the quantization_config: the --quantization JSON as given, or for a method name
//    |      the entry method_config_json writes (quantization_json.hpp)
//    |   2. the plan = quant::resolve_quantization("", that config): exactly what the loader
//    |      will resolve from the written config.json
//    |   3. every tensor: a linear weight the plan quantizes (model::scheme_for_weight) is
//    |      dequantized to float and replaced by its quantized tensors (quantized_tensors.hpp);
//    |      every other tensor is copied byte for byte (F32/BF16/F16/...)
//    v
//   OUT/ model.safetensors (shards + index above max_shard_bytes), config.json = the source
//        config with "quantization_config" added, and the tokenizer/template files copied:
//        tokenizer.json, tokenizer_config.json, tokenizer.model, generation_config.json,
//        chat_template.jinja, special_tokens_map.json (those present)
//
// Tensors are written one at a time: a weight is quantized when the writer reaches it and
// freed once its last tensor is written, so memory holds the mapped input plus about one
// weight in float (and its quantized form).
//
// Inputs: Hugging Face directories only, with F32, BF16 or F16 linear weights. GGUF files
// are refused: llama.cpp's converter permutes the q/k rows of llama models for its rope and
// keeps the tokenizer in metadata, so a GGUF -> Hugging Face conversion is not a renaming;
// online quantization (`--quantization` at load) covers GGUF models. A source config that
// already has a quantization_config is refused, and so is an output directory that exists
// and is not empty.
//
// Errors: std::invalid_argument (flag, shapes, plan), model::load_error / config_error
// (input), std::runtime_error (I/O).
// Threading: one call at a time per output directory; `threads` threads encode WINT2.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace moeserve::app {

struct quantize_options {
  std::filesystem::path model;   // Hugging Face directory
  std::string quantization;      // wint8 | wint4 | block_wise_fp8 | wint2 | mix_quant | JSON
  std::filesystem::path output;  // created
  int threads = 0;               // 0: one per hardware thread
  std::uint64_t max_shard_bytes = std::uint64_t{5} << 30;
  std::function<void(std::string_view)> on_progress;  // one line per quantized weight
};

struct quantize_summary {
  std::string plan_name;            // W{w}A{a}C{c}
  std::string quantization_config;  // the JSON added to config.json
  int quantized_weights = 0;
  int copied_tensors = 0;
  std::uint64_t input_bytes = 0;   // tensor data in
  std::uint64_t output_bytes = 0;  // tensor data out
};

quantize_summary quantize_checkpoint(const quantize_options& options);

// The files copied besides the weights and config.json.
inline constexpr std::string_view tokenizer_files[] = {
    "tokenizer.json",         "tokenizer_config.json", "tokenizer.model",
    "generation_config.json", "chat_template.jinja",   "special_tokens_map.json"};

}  // namespace moeserve::app
