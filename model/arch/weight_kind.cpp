#include "model/arch/weight_kind.hpp"

#include <charconv>
#include <string>

namespace moeserve::model {

namespace {

using quant::layer_kind;

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// A non-negative decimal index followed by '.', consumed with the dot.
std::optional<int> consume_index(std::string_view& s) {
  int value = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr == s.data() || ptr == end || *ptr != '.' || value < 0) return std::nullopt;
  if (ptr - s.data() > 1 && s.front() == '0') return std::nullopt;  // no leading zeros
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()) + 1);
  return value;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> names) {
  for (const auto n : names)
    if (s == n) return true;
  return false;
}

std::optional<weight_kind> classify_hf(std::string_view s) {
  if (s == "model.embed_tokens.weight") return weight_kind{layer_kind::embedding, -1, -1};
  if (s == "lm_head.weight") return weight_kind{layer_kind::lm_head, -1, -1};
  if (!consume(s, "model.layers.")) return std::nullopt;
  const auto layer = consume_index(s);
  if (!layer) return std::nullopt;
  const int l = *layer;
  if (consume(s, "self_attn.")) {
    if (one_of(s, {"q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight"}))
      return weight_kind{layer_kind::attention, l, -1};
    return std::nullopt;
  }
  if (!consume(s, "mlp.")) return std::nullopt;
  const auto projection = [](std::string_view t) {
    return one_of(t, {"gate_proj.weight", "up_proj.weight", "down_proj.weight"});
  };
  if (projection(s)) return weight_kind{layer_kind::dense_mlp, l, -1};
  if (s == "gate.weight" || s == "shared_expert_gate.weight") return weight_kind{layer_kind::router, l, -1};
  if (consume(s, "experts.")) {
    const auto expert = consume_index(s);
    if (expert && projection(s)) return weight_kind{layer_kind::moe_expert, l, *expert};
    return std::nullopt;
  }
  if (consume(s, "shared_experts.") || consume(s, "shared_expert.")) {
    if (projection(s)) return weight_kind{layer_kind::shared_expert, l, -1};
  }
  return std::nullopt;
}

std::optional<weight_kind> classify_gguf(std::string_view s) {
  if (s == "token_embd.weight") return weight_kind{layer_kind::embedding, -1, -1};
  if (s == "output.weight") return weight_kind{layer_kind::lm_head, -1, -1};
  if (!consume(s, "blk.")) return std::nullopt;
  const auto layer = consume_index(s);
  if (!layer) return std::nullopt;
  const int l = *layer;
  if (one_of(s, {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight", "attn_qkv.weight"}))
    return weight_kind{layer_kind::attention, l, -1};
  if (one_of(s, {"ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"})) return weight_kind{layer_kind::dense_mlp, l, -1};
  if (one_of(s, {"ffn_gate_inp.weight", "ffn_gate_inp_shexp.weight"})) return weight_kind{layer_kind::router, l, -1};
  if (one_of(s, {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight"}))
    return weight_kind{layer_kind::moe_expert, l, -1};
  if (one_of(s, {"ffn_gate_shexp.weight", "ffn_up_shexp.weight", "ffn_down_shexp.weight"}))
    return weight_kind{layer_kind::shared_expert, l, -1};
  return std::nullopt;
}

}  // namespace

std::optional<weight_kind> classify_weight(std::string_view name) {
  if (name.starts_with("blk.") || name == "token_embd.weight" || name == "output.weight") return classify_gguf(name);
  return classify_hf(name);
}

std::optional<quant::layer_kind> layer_kind_of(weight_part part) {
  switch (part) {
    case weight_part::token_embedding: return layer_kind::embedding;
    case weight_part::lm_head: return layer_kind::lm_head;
    case weight_part::attn_q:
    case weight_part::attn_k:
    case weight_part::attn_v:
    case weight_part::attn_output: return layer_kind::attention;
    case weight_part::ffn_gate:
    case weight_part::ffn_up:
    case weight_part::ffn_down: return layer_kind::dense_mlp;
    case weight_part::router: return layer_kind::router;
    case weight_part::expert_gate:
    case weight_part::expert_up:
    case weight_part::expert_down: return layer_kind::moe_expert;
    case weight_part::shared_gate:
    case weight_part::shared_up:
    case weight_part::shared_down: return layer_kind::shared_expert;
    case weight_part::final_norm:
    case weight_part::attn_norm:
    case weight_part::attn_q_bias:
    case weight_part::attn_k_bias:
    case weight_part::attn_v_bias:
    case weight_part::attn_q_norm:
    case weight_part::attn_k_norm:
    case weight_part::ffn_norm:
    case weight_part::router_selection_bias: return std::nullopt;
  }
  return std::nullopt;
}

quant::weight_scheme scheme_for_weight(const quant::quantization_plan& plan, std::string_view name) {
  const auto k = classify_weight(name);
  if (!k) return {};
  return plan.scheme_for(k->kind, k->layer < 0 ? 0 : k->layer);  // whole-model weights: never quantized
}

}  // namespace moeserve::model
