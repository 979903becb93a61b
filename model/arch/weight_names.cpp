#include "model/arch/weight_names.hpp"

#include <stdexcept>

namespace moeserve::model {

namespace {

std::string hf_name(weight_part part, int layer, int expert) {
  const std::string l = "model.layers." + std::to_string(layer) + ".";
  const std::string e = l + "mlp.experts." + std::to_string(expert) + ".";
  switch (part) {
    case weight_part::token_embedding: return "model.embed_tokens.weight";
    case weight_part::final_norm: return "model.norm.weight";
    case weight_part::lm_head: return "lm_head.weight";
    case weight_part::attn_norm: return l + "input_layernorm.weight";
    case weight_part::attn_q: return l + "self_attn.q_proj.weight";
    case weight_part::attn_k: return l + "self_attn.k_proj.weight";
    case weight_part::attn_v: return l + "self_attn.v_proj.weight";
    case weight_part::attn_output: return l + "self_attn.o_proj.weight";
    case weight_part::attn_q_bias: return l + "self_attn.q_proj.bias";
    case weight_part::attn_k_bias: return l + "self_attn.k_proj.bias";
    case weight_part::attn_v_bias: return l + "self_attn.v_proj.bias";
    case weight_part::attn_q_norm: return l + "self_attn.q_norm.weight";
    case weight_part::attn_k_norm: return l + "self_attn.k_norm.weight";
    case weight_part::ffn_norm: return l + "post_attention_layernorm.weight";
    case weight_part::ffn_gate: return l + "mlp.gate_proj.weight";
    case weight_part::ffn_up: return l + "mlp.up_proj.weight";
    case weight_part::ffn_down: return l + "mlp.down_proj.weight";
    case weight_part::router: return l + "mlp.gate.weight";
    case weight_part::router_selection_bias: return l + "mlp.moe_statics.e_score_correction_bias";
    case weight_part::expert_gate: return e + "gate_proj.weight";
    case weight_part::expert_up: return e + "up_proj.weight";
    case weight_part::expert_down: return e + "down_proj.weight";
    case weight_part::shared_gate: return l + "mlp.shared_experts.gate_proj.weight";
    case weight_part::shared_up: return l + "mlp.shared_experts.up_proj.weight";
    case weight_part::shared_down: return l + "mlp.shared_experts.down_proj.weight";
  }
  throw std::invalid_argument("unknown weight part");
}

std::string gguf_name(weight_part part, int layer) {
  const std::string l = "blk." + std::to_string(layer) + ".";
  switch (part) {
    case weight_part::token_embedding: return "token_embd.weight";
    case weight_part::final_norm: return "output_norm.weight";
    case weight_part::lm_head: return "output.weight";
    case weight_part::attn_norm: return l + "attn_norm.weight";
    case weight_part::attn_q: return l + "attn_q.weight";
    case weight_part::attn_k: return l + "attn_k.weight";
    case weight_part::attn_v: return l + "attn_v.weight";
    case weight_part::attn_output: return l + "attn_output.weight";
    case weight_part::attn_q_bias: return l + "attn_q.bias";
    case weight_part::attn_k_bias: return l + "attn_k.bias";
    case weight_part::attn_v_bias: return l + "attn_v.bias";
    case weight_part::attn_q_norm: return l + "attn_q_norm.weight";
    case weight_part::attn_k_norm: return l + "attn_k_norm.weight";
    case weight_part::ffn_norm: return l + "ffn_norm.weight";
    case weight_part::ffn_gate: return l + "ffn_gate.weight";
    case weight_part::ffn_up: return l + "ffn_up.weight";
    case weight_part::ffn_down: return l + "ffn_down.weight";
    case weight_part::router: return l + "ffn_gate_inp.weight";
    case weight_part::router_selection_bias: return l + "exp_probs_b.bias";
    case weight_part::expert_gate: return l + "ffn_gate_exps.weight";
    case weight_part::expert_up: return l + "ffn_up_exps.weight";
    case weight_part::expert_down: return l + "ffn_down_exps.weight";
    case weight_part::shared_gate: return l + "ffn_gate_shexp.weight";
    case weight_part::shared_up: return l + "ffn_up_shexp.weight";
    case weight_part::shared_down: return l + "ffn_down_shexp.weight";
  }
  throw std::invalid_argument("unknown weight part");
}

}  // namespace

std::string weight_name(weight_naming naming, weight_part part, int layer, int expert) {
  return naming == weight_naming::gguf ? gguf_name(part, layer) : hf_name(part, layer, expert);
}

}  // namespace moeserve::model
