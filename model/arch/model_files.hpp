#pragma once
// model_files: a model's weights and hyper-parameters, opened from either form:
//
//   a GGUF file                 (config from its metadata, tensors by GGUF names)
//   a Hugging Face directory    (config.json, model.safetensors or a sharded index)
//
// Tensors stay memory-mapped; `find` looks one up by its name in the file's own naming
// scheme (weight_names.hpp gives the name of each part for each scheme).
//
// load_format::dummy (vLLM's --load-format dummy): config.json alone, no weight file.
// `find` then answers every Hugging Face weight name with a synthetic view (no data, shape
// left to the loader; tensor_view.hpp): "...norm..." weights ones, biases zeros, the rest
// random (synthetic_tensor.hpp); no lm_head when the embeddings are tied, and no
// quantization companions (so nothing reads as pre-quantized).
#include <filesystem>
#include <map>
#include <string>
#include <memory>
#include <string_view>

#include "model/config/model_config.hpp"
#include "model/io/gguf_file.hpp"
#include "model/io/safetensors_checkpoint.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

enum class weight_naming { hugging_face, gguf };
enum class load_format { auto_, dummy };

// "auto" or "dummy"; throws std::invalid_argument naming the flag otherwise.
load_format parse_load_format(std::string_view name);

class model_files {
 public:
  // Throws load_error / config_error when the path holds no readable model.
  explicit model_files(const std::filesystem::path& path, load_format format = load_format::auto_);

  const std::filesystem::path& path() const { return path_; }
  weight_naming naming() const { return naming_; }
  const model_config& config() const { return config_; }
  const gguf_file* gguf() const { return gguf_.get(); }  // null for a Hugging Face directory
  // The directory holding tokenizer and template files (the GGUF file's directory for GGUF).
  std::filesystem::path directory() const;

  const tensor_view* find(std::string_view name) const;
  const tensor_view& require(std::string_view name) const;  // load_error naming the tensor
  bool dummy() const { return format_ == load_format::dummy; }

 private:
  std::filesystem::path path_;
  weight_naming naming_ = weight_naming::hugging_face;
  std::unique_ptr<gguf_file> gguf_;
  std::unique_ptr<safetensors_checkpoint> safetensors_;
  model_config config_;
  load_format format_ = load_format::auto_;
  // dummy: the synthetic views handed out so far (find returns stable pointers).
  mutable std::map<std::string, tensor_view, std::less<>> synthetic_;
};

}  // namespace moeserve::model
