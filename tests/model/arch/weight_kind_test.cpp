#include "model/arch/weight_kind.hpp"

#include <gtest/gtest.h>

namespace moeserve::model {
namespace {

using quant::layer_kind;

TEST(WeightKind, ClassifiesHuggingFaceNames) {
  EXPECT_EQ(classify_weight("model.embed_tokens.weight"), (weight_kind{layer_kind::embedding, -1, -1}));
  EXPECT_EQ(classify_weight("lm_head.weight"), (weight_kind{layer_kind::lm_head, -1, -1}));
  EXPECT_EQ(classify_weight("model.layers.3.self_attn.q_proj.weight"), (weight_kind{layer_kind::attention, 3, -1}));
  EXPECT_EQ(classify_weight("model.layers.12.self_attn.o_proj.weight"), (weight_kind{layer_kind::attention, 12, -1}));
  EXPECT_EQ(classify_weight("model.layers.0.mlp.down_proj.weight"), (weight_kind{layer_kind::dense_mlp, 0, -1}));
  EXPECT_EQ(classify_weight("model.layers.5.mlp.gate.weight"), (weight_kind{layer_kind::router, 5, -1}));
  EXPECT_EQ(classify_weight("model.layers.5.mlp.experts.17.up_proj.weight"),
            (weight_kind{layer_kind::moe_expert, 5, 17}));
  EXPECT_EQ(classify_weight("model.layers.5.mlp.shared_experts.down_proj.weight"),
            (weight_kind{layer_kind::shared_expert, 5, -1}));
  EXPECT_EQ(classify_weight("model.layers.5.mlp.shared_expert.gate_proj.weight"),
            (weight_kind{layer_kind::shared_expert, 5, -1}));
  EXPECT_EQ(classify_weight("model.layers.5.mlp.shared_expert_gate.weight"), (weight_kind{layer_kind::router, 5, -1}));
}

TEST(WeightKind, ClassifiesGgufNames) {
  EXPECT_EQ(classify_weight("token_embd.weight"), (weight_kind{layer_kind::embedding, -1, -1}));
  EXPECT_EQ(classify_weight("output.weight"), (weight_kind{layer_kind::lm_head, -1, -1}));
  EXPECT_EQ(classify_weight("blk.2.attn_k.weight"), (weight_kind{layer_kind::attention, 2, -1}));
  EXPECT_EQ(classify_weight("blk.2.attn_output.weight"), (weight_kind{layer_kind::attention, 2, -1}));
  EXPECT_EQ(classify_weight("blk.2.ffn_up.weight"), (weight_kind{layer_kind::dense_mlp, 2, -1}));
  EXPECT_EQ(classify_weight("blk.2.ffn_gate_inp.weight"), (weight_kind{layer_kind::router, 2, -1}));
  EXPECT_EQ(classify_weight("blk.2.ffn_down_exps.weight"), (weight_kind{layer_kind::moe_expert, 2, -1}));
  EXPECT_EQ(classify_weight("blk.2.ffn_gate_shexp.weight"), (weight_kind{layer_kind::shared_expert, 2, -1}));
}

TEST(WeightKind, RejectsTensorsThatAreNotLinearWeights) {
  for (const char* name : {"model.norm.weight", "model.layers.0.input_layernorm.weight",
                           "model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.q_norm.weight",
                           "model.layers.0.mlp.down_proj.weight_scale", "model.layers.0.mlp.down_proj.weight_scale_inv",
                           "model.layers.0.mlp.moe_statics.e_score_correction_bias", "model.layers.x.mlp.up_proj.weight",
                           "model.layers.01.mlp.up_proj.weight", "model.layers.-1.mlp.up_proj.weight",
                           "model.layers.0.mlp.experts.a.up_proj.weight", "output_norm.weight", "blk.0.attn_norm.weight",
                           "blk.0.attn_q.bias", "blk.0.exp_probs_b.bias", "", "blk.", "model.layers.4"})
    EXPECT_FALSE(classify_weight(name).has_value()) << name;
}

TEST(WeightKind, EveryDecoderPartNameClassifiesAsItsPart) {
  for (const auto naming : {weight_naming::hugging_face, weight_naming::gguf})
    for (int p = 0; p <= static_cast<int>(weight_part::shared_down); ++p) {
      const auto part = static_cast<weight_part>(p);
      const auto name = weight_name(naming, part, 4, 2);
      const auto k = classify_weight(name);
      const auto expected = layer_kind_of(part);
      ASSERT_EQ(k.has_value(), expected.has_value()) << name;
      if (!k) continue;
      EXPECT_EQ(k->kind, *expected) << name;
      const bool whole_model = part == weight_part::token_embedding || part == weight_part::lm_head;
      EXPECT_EQ(k->layer, whole_model ? -1 : 4) << name;
      const bool hf_expert = naming == weight_naming::hugging_face && *expected == layer_kind::moe_expert;
      EXPECT_EQ(k->expert, hf_expert ? 2 : -1) << name;
    }
}

TEST(WeightKind, SchemeForWeightFollowsThePlan) {
  quant::quantization_config c;
  c.quantization = "mix_quant";
  c.dense_quant_type = "wint8";
  c.moe_quant_type = "wint4";
  const auto plan = quant::resolve_quantization("", c);
  EXPECT_EQ(scheme_for_weight(plan, "model.layers.1.self_attn.v_proj.weight").format, quant::weight_format::wint8);
  EXPECT_EQ(scheme_for_weight(plan, "blk.1.ffn_up_exps.weight").format, quant::weight_format::wint4);
  EXPECT_EQ(scheme_for_weight(plan, "model.layers.1.mlp.gate.weight").format, quant::weight_format::none);
  EXPECT_EQ(scheme_for_weight(plan, "lm_head.weight").format, quant::weight_format::none);
  EXPECT_EQ(scheme_for_weight(plan, "model.norm.weight").format, quant::weight_format::none);
}

}  // namespace
}  // namespace moeserve::model
