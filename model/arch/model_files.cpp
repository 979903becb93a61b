#include "model/arch/model_files.hpp"

#include <stdexcept>
#include <string>

#include "model/config/gguf_config.hpp"
#include "model/config/hf_config.hpp"
#include "model/io/load_error.hpp"

namespace moeserve::model {

load_format parse_load_format(std::string_view name) {
  if (name == "auto") return load_format::auto_;
  if (name == "dummy") return load_format::dummy;
  throw std::invalid_argument("--load-format " + std::string(name) + ": expected auto or dummy");
}

model_files::model_files(const std::filesystem::path& path, load_format format) : path_(path), format_(format) {
  if (!std::filesystem::exists(path)) throw load_error(path.string() + ": no such file or directory");
  if (format == load_format::dummy) {
    const auto dir = std::filesystem::is_directory(path) ? path : path.parent_path();
    if (!std::filesystem::exists(dir / "config.json"))
      throw load_error(path.string() + ": --load-format dummy needs a config.json");
    config_ = load_hf_config(dir / "config.json");
    return;
  }
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
  if (format_ == load_format::dummy) {
    if (!(name.ends_with(".weight") || name.ends_with(".bias") || name.ends_with("correction_bias"))) return nullptr;
    if (config_.tie_word_embeddings && name == "lm_head.weight") return nullptr;
    if (const auto it = synthetic_.find(name); it != synthetic_.end()) return &it->second;
    const auto [it, added] = synthetic_.emplace(std::string(name), tensor_view{});
    tensor_view& v = it->second;
    v.name = it->first;
    v.type = dtype::f32;
    const bool norm = name.find("norm") != std::string_view::npos;
    const bool bias = name.ends_with("bias");
    v.synthetic = norm ? synthetic_fill::ones : bias ? synthetic_fill::zeros : synthetic_fill::random;
    return &v;
  }
  return gguf_ ? gguf_->find_tensor(name) : safetensors_->find_tensor(name);
}

const tensor_view& model_files::require(std::string_view name) const {
  if (const auto* t = find(name)) return *t;
  throw load_error(path_.string() + ": tensor \"" + std::string(name) + "\" is missing");
}

}  // namespace moeserve::model
