#include "model/arch/model_files.hpp"

#include <string>

#include "model/config/gguf_config.hpp"
#include "model/config/hf_config.hpp"
#include "model/io/load_error.hpp"

namespace moeserve::model {

model_files::model_files(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw load_error(path.string() + ": no such file or directory");
  if (std::filesystem::is_regular_file(path) && path.extension() == ".gguf") {
    naming_ = weight_naming::gguf;
    gguf_ = std::make_unique<gguf_file>(path);
    config_ = config_from_gguf(*gguf_);
    // A model without output.weight ties its LM head to the embedding table.
    config_.tie_word_embeddings = gguf_->find_tensor("output.weight") == nullptr;
    return;
  }
  const auto dir = std::filesystem::is_directory(path) ? path : path.parent_path();
  naming_ = weight_naming::hugging_face;
  config_ = load_hf_config(dir / "config.json");
  safetensors_ = std::make_unique<safetensors_checkpoint>(path);
}

std::filesystem::path model_files::directory() const {
  return std::filesystem::is_directory(path_) ? path_ : path_.parent_path();
}

const tensor_view* model_files::find(std::string_view name) const {
  return gguf_ ? gguf_->find_tensor(name) : safetensors_->find_tensor(name);
}

const tensor_view& model_files::require(std::string_view name) const {
  if (const auto* t = find(name)) return *t;
  throw load_error(path_.string() + ": tensor \"" + std::string(name) + "\" is missing");
}

}  // namespace moeserve::model
