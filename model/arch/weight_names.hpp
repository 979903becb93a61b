#pragma once
// weight_names: the checkpoint name of each weight of a decoder, in Hugging Face naming
// ("model.layers.3.self_attn.q_proj.weight") or GGUF naming ("blk.3.attn_q.weight").
//
// Routed experts: Hugging Face checkpoints have one tensor per expert
// ("model.layers.3.mlp.experts.7.gate_proj.weight"); GGUF stacks them in one 3-D tensor
// per layer ("blk.3.ffn_gate_exps.weight", [experts, rows, cols]), whose expert_name
// ignores the expert index.
#include <string>

#include "model/arch/model_files.hpp"

namespace moeserve::model {

enum class weight_part {
  token_embedding,
  final_norm,
  lm_head,
  attn_norm,
  attn_q,
  attn_k,
  attn_v,
  attn_output,
  attn_q_bias,
  attn_k_bias,
  attn_v_bias,
  attn_q_norm,
  attn_k_norm,
  ffn_norm,
  ffn_gate,
  ffn_up,
  ffn_down,
  router,
  router_selection_bias,
  expert_gate,
  expert_up,
  expert_down,
  shared_gate,
  shared_up,
  shared_down,
};

// The name of `part` of `layer` (ignored for whole-model parts) and `expert`.
std::string weight_name(weight_naming naming, weight_part part, int layer = 0, int expert = 0);

}  // namespace moeserve::model
