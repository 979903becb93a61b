// quantization_config in config.json (and as the --quantization JSON): FastDeploy keys,
// HF FP8 keys, unknown keys ignored, wrong types refused naming the key, and the plan
// resolved from a flag and a model's config.
#include <gtest/gtest.h>

#include <string>

#include "model/config/hf_config.hpp"
#include "model/config/quantization_config_json.hpp"

namespace moeserve::model {
namespace {

std::string config_with(const std::string& quantization_config) {
  return R"({"model_type": "ernie4_5_moe", "hidden_size": 256, "num_hidden_layers": 12, "num_attention_heads": 4,
             "vocab_size": 1000, "intermediate_size": 512, "moe_num_experts": 8, "moe_k": 2, "moe_intermediate_size": 64,
             "quantization_config": )" +
         quantization_config + "}";
}

TEST(QuantizationConfig, ReadsFastDeployWint2Recipe) {
  const auto c = parse_hf_config(config_with(R"({
    "quantization": "wint2", "dense_quant_type": "wint8", "moe_quant_type": "w4w2", "kv_cache_quant_type": "int8",
    "is_channel_wise": true, "has_zero_point": false, "some_future_key": [1, 2],
    "moe_quant_config": {
      "moe_w4_quant_config": {"quant_type": "wint4", "quant_granularity": "per_channel", "quant_start_layer": 0, "quant_end_layer": 6},
      "moe_w2_quant_config": {"quant_type": "wint2", "quant_granularity": "pp_acc", "quant_group_size": 64,
                              "quant_start_layer": 7, "quant_end_layer": 11}}})"));
  ASSERT_TRUE(c.quantization.has_value());
  const auto& q = *c.quantization;
  EXPECT_EQ(q.quantization, "wint2");
  EXPECT_EQ(q.dense_quant_type, "wint8");
  EXPECT_EQ(q.moe_quant_type, "w4w2");
  EXPECT_EQ(q.kv_cache_quant_type, "int8");
  EXPECT_EQ(q.is_channel_wise, true);
  ASSERT_TRUE(q.moe_w2_quant_config.has_value());
  EXPECT_EQ(q.moe_w2_quant_config->quant_group_size, 64);
  EXPECT_EQ(q.moe_w4_quant_config->quant_end_layer, 6);
  const auto plan = resolve_model_quantization("", c);
  EXPECT_EQ(plan.name(), "W8/4/2A16C8");
  EXPECT_EQ(plan.format_for(quant::layer_kind::moe_expert, 8), quant::weight_format::wint2);
}

TEST(QuantizationConfig, ReadsHuggingFaceFp8) {
  const auto c = parse_hf_config(config_with(R"({"quant_method": "fp8", "weight_block_size": [128, 128],
                                                 "activation_scheme": "dynamic"})"));
  EXPECT_EQ(c.quantization->quant_method, "fp8");
  EXPECT_EQ(c.quantization->weight_block_size, (std::vector<int>{128, 128}));
  EXPECT_EQ(resolve_model_quantization("", c).name(), "Wfp8Afp8C16");
}

TEST(QuantizationConfig, WrongTypesAreRefusedNamingTheKey) {
  for (const auto& [json, key] : std::vector<std::pair<std::string, std::string>>{
           {R"({"quantization": 8})", "quantization"},
           {R"({"has_zero_point": "no"})", "has_zero_point"},
           {R"({"weight_block_size": "128"})", "weight_block_size"},
           {R"({"moe_quant_config": {"moe_w2_quant_config": {"quant_start_layer": "7"}}})", "quant_start_layer"},
           {R"("wint8")", "quantization_config"}}) {
    try {
      parse_hf_config(config_with(json));
      ADD_FAILURE() << json;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(QuantizationConfig, FlagAsJsonObject) {
  const auto c = parse_hf_config(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
                                     "num_attention_heads": 4, "vocab_size": 100, "intermediate_size": 128})");
  EXPECT_FALSE(c.quantization.has_value());
  const auto plan =
      resolve_model_quantization(R"({"quantization":"mix_quant","dense_quant_type":"wint8","moe_quant_type":"wint4"})", c);
  EXPECT_EQ(plan.format_for(quant::layer_kind::attention, 0), quant::weight_format::wint8);
  EXPECT_EQ(plan.format_for(quant::layer_kind::moe_expert, 0), quant::weight_format::wint4);
  EXPECT_EQ(resolve_model_quantization("wint4", c, quant::kv_cache_format::fp8).name(), "W4A16Cfp8");
  EXPECT_THROW(resolve_model_quantization("{not json", c), config_error);
  EXPECT_THROW(resolve_model_quantization("wint3", c), std::invalid_argument);
  // A checkpoint's own quantization_config cannot be replaced by a JSON flag.
  const auto stored = parse_hf_config(config_with(R"({"quantization": "wint8"})"));
  EXPECT_THROW(resolve_model_quantization(R"({"quantization":"wint4"})", stored), std::invalid_argument);
  EXPECT_EQ(resolve_model_quantization("", stored).name(), "W8A16C16");
}

}  // namespace
}  // namespace moeserve::model
