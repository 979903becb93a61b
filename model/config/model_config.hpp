#pragma once
// model_config: the hyper-parameters an architecture needs, whatever file they came from
// (a Hugging Face config.json, or a GGUF file's metadata). Plain data, validated once:
// everything later code sizes buffers from is checked here (positive, divisible, within
// caps), so a malformed config is a clear config_error, never a huge allocation.
//
// Architectures: llama (SmolLM2), qwen3 (q/k norms), qwen3_moe (softmax router, top-k,
// norm_topk_prob, decoder_sparse_step, mlp_only_layers) and ernie4_5_moe (shared experts,
// moe_layer_start_index/end_index/interval, moe_norm_min).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "quant/quantization_plan.hpp"

namespace moeserve::model {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class architecture { llama, qwen3, qwen3_moe, ernie4_5_moe };

std::string_view to_string(architecture a) noexcept;

struct rope_config {
  double theta = 10000.0;
  int rotary_dims = 0;  // dimensions of each head that rotate (head_dim unless partial)
  // Scaling of long contexts: "none", "linear", "dynamic", "yarn", "llama3", ...; only the
  // fields of the named type are meaningful.
  std::string scaling = "none";
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position = 0;
};

struct moe_config {
  int num_experts = 0;  // routed experts; 0 for a dense model
  int experts_per_token = 0;
  int expert_intermediate_size = 0;
  bool normalize_top_k = false;  // renormalise the selected experts' weights to sum to 1
  double norm_min = 0.0;         // ERNIE: the normalising sum is at least this
  int shared_experts = 0;        // ERNIE: experts every token passes through
  int shared_intermediate_size = 0;
  std::vector<bool> moe_layers;  // per layer: MoE (true) or dense MLP (false)

  bool is_moe_layer(int layer) const {
    return layer >= 0 && static_cast<std::size_t>(layer) < moe_layers.size() &&
           moe_layers[static_cast<std::size_t>(layer)];
  }
};

struct model_config {
  architecture arch = architecture::llama;
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;  // dense MLP
  double rms_norm_eps = 1e-6;
  rope_config rope;
  int max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  bool qk_norm = false;         // RMSNorm on each head's q and k (qwen3, qwen3_moe)
  bool attention_bias = false;  // biases on the q/k/v/o projections
  moe_config moe;
  std::optional<int> bos_token_id;
  std::vector<int> eos_token_ids;
  std::optional<int> pad_token_id;
  // config.json's "quantization_config" (absent for GGUF and plain checkpoints).
  std::optional<quant::quantization_config> quantization;

  bool is_moe() const { return moe.num_experts > 0; }
  // The context length to serve: `requested` capped at max_position_embeddings (<= 0: that).
  int context_length(int requested) const {
    return requested > 0 && requested < max_position_embeddings ? requested : max_position_embeddings;
  }
  // Throws config_error naming the first inconsistent or out-of-range field.
  void validate() const;
};

// Caps on what a config may ask for; far above any real model, far below an allocation
// that could take the machine down.
namespace config_limits {
inline constexpr int max_hidden = 1 << 16;
inline constexpr int max_layers = 1024;
inline constexpr int max_heads = 1024;
inline constexpr int max_vocab = 1 << 22;
inline constexpr int max_intermediate = 1 << 20;
inline constexpr int max_experts = 4096;
inline constexpr int max_positions = 1 << 24;
}  // namespace config_limits

}  // namespace moeserve::model
