#include "model/config/model_config.hpp"

#include <string>

namespace moeserve::model {

std::string_view to_string(architecture a) noexcept {
  switch (a) {
    case architecture::llama:
      return "llama";
    case architecture::qwen3:
      return "qwen3";
    case architecture::qwen3_moe:
      return "qwen3_moe";
    case architecture::ernie4_5_moe:
      return "ernie4_5_moe";
  }
  return "?";
}

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw config_error("invalid model config: " + what);
}

void require_range(long long v, long long lo, long long hi, const char* name) {
  require(v >= lo && v <= hi, std::string(name) + " = " + std::to_string(v) + ", expected " + std::to_string(lo) +
                                  ".." + std::to_string(hi));
}

}  // namespace

void model_config::validate() const {
  namespace lim = config_limits;
  require_range(vocab_size, 1, lim::max_vocab, "vocab_size");
  require_range(hidden_size, 1, lim::max_hidden, "hidden_size");
  require_range(num_layers, 1, lim::max_layers, "num_hidden_layers");
  require_range(num_heads, 1, lim::max_heads, "num_attention_heads");
  require_range(num_kv_heads, 1, num_heads, "num_key_value_heads");
  require(num_heads % num_kv_heads == 0, "num_attention_heads (" + std::to_string(num_heads) +
                                             ") is not a multiple of num_key_value_heads (" +
                                             std::to_string(num_kv_heads) + ")");
  require_range(head_dim, 2, 1024, "head_dim");
  require(head_dim % 2 == 0, "head_dim must be even (rotary pairs)");
  require_range(rope.rotary_dims, 2, head_dim, "rotary dimensions");
  require(rope.rotary_dims % 2 == 0, "rotary dimensions must be even");
  require(rope.theta > 0, "rope_theta must be positive");
  require(rope.factor > 0, "rope scaling factor must be positive");
  require(rms_norm_eps > 0 && rms_norm_eps < 1, "rms_norm_eps must be in (0, 1)");
  require_range(max_position_embeddings, 1, lim::max_positions, "max_position_embeddings");
  for (int id : eos_token_ids) require_range(id, 0, vocab_size - 1, "eos_token_id");
  if (bos_token_id) require_range(*bos_token_id, 0, vocab_size - 1, "bos_token_id");
  if (pad_token_id) require_range(*pad_token_id, 0, vocab_size - 1, "pad_token_id");

  const bool any_dense = !is_moe() || [&] {
    for (bool m : moe.moe_layers) {
      if (!m) return true;
    }
    return false;
  }();
  if (any_dense) require_range(intermediate_size, 1, lim::max_intermediate, "intermediate_size");
  if (!is_moe()) return;
  require_range(moe.num_experts, 1, lim::max_experts, "number of experts");
  require_range(moe.experts_per_token, 1, moe.num_experts, "experts per token");
  require_range(moe.expert_intermediate_size, 1, lim::max_intermediate, "moe_intermediate_size");
  require_range(moe.shared_experts, 0, lim::max_experts, "shared experts");
  if (moe.shared_experts > 0) {
    require_range(moe.shared_intermediate_size, 1, lim::max_intermediate, "shared expert intermediate size");
  }
  require(moe.moe_layers.size() == static_cast<std::size_t>(num_layers),
          "per-layer MoE flags do not cover every layer");
  require(moe.norm_min >= 0, "moe_norm_min must not be negative");
}

}  // namespace moeserve::model
