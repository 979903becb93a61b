#pragma once
// model_files: a model's weights and hyper-parameters, opened from either form:
//
//   a GGUF file                 (config from its metadata, tensors by GGUF names)
//   a Hugging Face directory    (config.json, model.safetensors or a sharded index)
//
// Tensors stay memory-mapped; `find` looks one up by its name in the file's own naming
// scheme (weight_names.hpp gives the name of each part for each scheme).
#include <filesystem>
#include <memory>
#include <string_view>

#include "model/config/model_config.hpp"
#include "model/io/gguf_file.hpp"
#include "model/io/safetensors_checkpoint.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

enum class weight_naming { hugging_face, gguf };

class model_files {
 public:
  // Throws load_error / config_error when the path holds no readable model.
  explicit model_files(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  weight_naming naming() const { return naming_; }
  const model_config& config() const { return config_; }
  const gguf_file* gguf() const { return gguf_.get(); }  // null for a Hugging Face directory
  // The directory holding tokenizer and template files (the GGUF file's directory for GGUF).
  std::filesystem::path directory() const;

  const tensor_view* find(std::string_view name) const;
  const tensor_view& require(std::string_view name) const;  // load_error naming the tensor

 private:
  std::filesystem::path path_;
  weight_naming naming_ = weight_naming::hugging_face;
  std::unique_ptr<gguf_file> gguf_;
  std::unique_ptr<safetensors_checkpoint> safetensors_;
  model_config config_;
};

}  // namespace moeserve::model
