#include "model/config/gguf_config.hpp"

#include <limits>
#include <string>

namespace moeserve::model {

namespace {

// Metadata of one architecture prefix ("llama.", "qwen3moe.", ...).
class gguf_fields {
 public:
  gguf_fields(const gguf_file& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  int required(std::string_view key) const { return to_int(key, file_.get_u64(name(key))); }
  int optional(std::string_view key, int fallback) const {
    const auto v = file_.find_as<std::uint64_t>(name(key));
    return v ? to_int(key, *v) : fallback;
  }
  double number(std::string_view key, double fallback) const {
    const auto v = file_.find_as<double>(name(key));
    return v ? *v : fallback;
  }
  std::string text(std::string_view key, std::string fallback) const {
    const auto v = file_.find_string(name(key));
    return v ? std::string(*v) : fallback;
  }
  std::optional<bool> flag(std::string_view key) const { return file_.find_bool(name(key)); }

 private:
  std::string name(std::string_view key) const { return prefix_ + std::string(key); }
  int to_int(std::string_view key, std::uint64_t v) const {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      throw config_error(file_.path().string() + ": " + name(key) + " = " + std::to_string(v) + " is out of range");
    }
    return static_cast<int>(v);
  }

  const gguf_file& file_;
  std::string prefix_;
};

}  // namespace

model_config config_from_gguf(const gguf_file& file) {
  const std::string arch(file.get_string("general.architecture"));
  model_config c;
  if (arch == "llama") {
    c.arch = architecture::llama;
  } else if (arch == "qwen3") {
    c.arch = architecture::qwen3;
  } else if (arch == "qwen3moe") {
    c.arch = architecture::qwen3_moe;
  } else {
    throw config_error(file.path().string() + ": GGUF architecture \"" + arch + "\" is not supported");
  }
  const gguf_fields f(file, arch + ".");
  c.num_layers = f.required("block_count");
  c.hidden_size = f.required("embedding_length");
  c.num_heads = f.required("attention.head_count");
  c.num_kv_heads = f.optional("attention.head_count_kv", c.num_heads);
  c.head_dim = f.optional("attention.key_length", c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
  c.intermediate_size = f.optional("feed_forward_length", 0);
  c.max_position_embeddings = f.optional("context_length", 2048);
  c.rms_norm_eps = f.number("attention.layer_norm_rms_epsilon", 1e-6);
  c.rope.theta = f.number("rope.freq_base", 10000.0);
  c.rope.rotary_dims = f.optional("rope.dimension_count", c.head_dim);
  c.rope.scaling = f.text("rope.scaling.type", "none");
  c.rope.factor = f.number("rope.scaling.factor", 1.0);
  c.rope.original_max_position = f.optional("rope.scaling.original_context_length", 0);
  const auto tokens = file.find_string_array("tokenizer.ggml.tokens");
  c.vocab_size = f.optional("vocab_size", tokens ? static_cast<int>(tokens->size()) : 0);
  c.tie_word_embeddings = file.find_tensor("output.weight") == nullptr;
  c.qk_norm = c.arch != architecture::llama;
  if (c.arch == architecture::qwen3_moe) {
    auto& m = c.moe;
    m.num_experts = f.required("expert_count");
    m.experts_per_token = f.required("expert_used_count");
    m.expert_intermediate_size = f.required("expert_feed_forward_length");
    m.normalize_top_k = f.flag("expert_weights_norm").value_or(true);
    m.moe_layers.assign(static_cast<std::size_t>(c.num_layers > 0 ? c.num_layers : 0), true);
  }
  if (const auto bos = file.find_as<std::uint32_t>("tokenizer.ggml.bos_token_id"))
    c.bos_token_id = static_cast<int>(*bos);
  if (const auto eos = file.find_as<std::uint32_t>("tokenizer.ggml.eos_token_id"))
    c.eos_token_ids.push_back(static_cast<int>(*eos));
  if (const auto eot = file.find_as<std::uint32_t>("tokenizer.ggml.eot_token_id")) {
    if (c.eos_token_ids.empty() || c.eos_token_ids.front() != static_cast<int>(*eot))
      c.eos_token_ids.push_back(static_cast<int>(*eot));
  }
  if (const auto pad = file.find_as<std::uint32_t>("tokenizer.ggml.padding_token_id"))
    c.pad_token_id = static_cast<int>(*pad);
  try {
    c.validate();
  } catch (const config_error& e) {
    throw config_error(file.path().string() + ": " + e.what());
  }
  return c;
}

}  // namespace moeserve::model
