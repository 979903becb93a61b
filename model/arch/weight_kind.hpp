#pragma once
// weight_kind: which quantization class (quant::layer_kind) and which decoder layer a
// checkpoint weight belongs to, from its name alone -- the one place that maps names to
// quant::quantization_plan::scheme_for(kind, layer). Used by the loader (online
// quantization, pre-quantized checkpoints) and by `moeserve quantize`.
//
// Names understood (N = layer, E = expert; both schemes of weight_names.hpp):
//
//   kind           Hugging Face                                   GGUF
//   embedding      model.embed_tokens.weight                      token_embd.weight
//   lm_head        lm_head.weight                                 output.weight
//   attention      model.layers.N.self_attn.{q,k,v,o}_proj.weight blk.N.attn_{q,k,v,output,qkv}.weight
//   dense_mlp      model.layers.N.mlp.{gate,up,down}_proj.weight  blk.N.ffn_{gate,up,down}.weight
//   router         model.layers.N.mlp.gate.weight                 blk.N.ffn_gate_inp.weight
//                  model.layers.N.mlp.shared_expert_gate.weight   blk.N.ffn_gate_inp_shexp.weight
//   moe_expert     model.layers.N.mlp.experts.E.{gate,up,down}_proj.weight
//                                                                 blk.N.ffn_{gate,up,down}_exps.weight
//                                                                 (all experts stacked: expert = -1)
//   shared_expert  model.layers.N.mlp.shared_experts.{gate,up,down}_proj.weight (ERNIE, DeepSeek)
//                  model.layers.N.mlp.shared_expert.{gate,up,down}_proj.weight  (Qwen2-MoE)
//                                                                 blk.N.ffn_{gate,up,down}_shexp.weight
//
// Everything else -- norms, biases, the ERNIE selection bias, quantization companions
// (".weight_scale", ".weight_scale_inv", ".weight_code_scale", ...) -- is not the weight
// of a linear layer: classify_weight returns nullopt and such tensors are kept as stored.
//
// Tied embeddings: a model without lm_head.weight / output.weight uses the embedding
// table as its LM head; the table is classified `embedding` and, like `lm_head`, the plan
// never quantizes it (quantization_plan.hpp), so the tie needs no special case here.
//
// Whole-model weights (embedding, lm_head) have layer -1.
// Threading: pure functions.
#include <optional>
#include <string_view>

#include "model/arch/weight_names.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::model {

struct weight_kind {
  quant::layer_kind kind = quant::layer_kind::attention;
  int layer = -1;   // -1 for embedding and lm_head
  int expert = -1;  // the routed expert (HF names); -1 otherwise or for GGUF stacked experts
  bool operator==(const weight_kind&) const = default;
};

// The class of a linear-layer weight named `name` (HF or GGUF naming); nullopt for any
// other tensor (norms, biases, quantization companions, unknown names).
std::optional<weight_kind> classify_weight(std::string_view name);

// The class of a decoder part (as weight_names.hpp names it); nullopt for parts that are
// not linear-layer weights (norms, biases, the router selection bias).
std::optional<quant::layer_kind> layer_kind_of(weight_part part);

// The scheme the plan gives the weight `name`: none for tensors classify_weight rejects.
quant::weight_scheme scheme_for_weight(const quant::quantization_plan& plan, std::string_view name);

}  // namespace moeserve::model
