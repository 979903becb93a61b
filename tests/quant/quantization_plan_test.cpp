// The quantization plan: FastDeploy's WINT2 recipe layer by layer (from the seed's
// config.json and from the bare flag), the uniform methods, HF FP8, names, and that every
// validation error names its key.

#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <stdexcept>

#include "quant/quantization_plan.hpp"

namespace moeserve::quant::testing {
namespace {

// The quantization_config of baidu/ERNIE-4.5-300B-A47B-2Bits-Paddle (seed wint2.md).
quantization_config ernie_wint2_config() {
  quantization_config c;
  c.quantization = "wint2";
  c.dense_quant_type = "wint8";
  c.moe_quant_type = "w4w2";
  c.moe_w4_quant_config = moe_layer_quant_config{"wint4", "per_channel", 0, 0, 6};
  c.moe_w2_quant_config = moe_layer_quant_config{"wint2", "pp_acc", 64, 7, 53};
  return c;
}

void expect_error_naming(const std::function<void()>& f, const std::string& key) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one naming " << key;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(QuantizationPlan, Wint2RecipeLayerByLayer) {
  const quantization_plan plan = resolve_quantization("", ernie_wint2_config());
  EXPECT_EQ(plan.method(), "wint2");
  for (int layer = 0; layer <= 53; ++layer) {
    for (const auto dense : {layer_kind::attention, layer_kind::dense_mlp, layer_kind::shared_expert}) {
      EXPECT_EQ(plan.scheme_for(dense, layer), (weight_scheme{weight_format::wint8, 0})) << layer;
    }
    const weight_scheme moe = plan.scheme_for(layer_kind::moe_expert, layer);
    if (layer <= 6) {
      EXPECT_EQ(moe, (weight_scheme{weight_format::wint4, 0})) << layer;
    } else {
      EXPECT_EQ(moe, (weight_scheme{weight_format::wint2, 64})) << layer;
    }
    for (const auto plain : {layer_kind::router, layer_kind::embedding, layer_kind::lm_head}) {
      EXPECT_EQ(plan.format_for(plain, layer), weight_format::none) << layer;
    }
  }
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 54), weight_format::none);  // beyond both ranges
  EXPECT_EQ(plan.name(), "W8/4/2A16C16");
  EXPECT_EQ(resolve_quantization("wint2", ernie_wint2_config()).name(), "W8/4/2A16C16");
}

TEST(QuantizationPlan, BareWint2FlagIsFastDeploysRecipe) {
  const quantization_plan plan = resolve_quantization("wint2", std::nullopt);
  EXPECT_EQ(plan.format_for(layer_kind::attention, 0), weight_format::wint8);
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 6), weight_format::wint4);
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 7), weight_format::wint2);
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 1000), weight_format::wint2);
}

// The name a model sees lists only the formats its layers receive.
TEST(QuantizationPlan, NameForAModelLeavesOutFormatsNoLayerGets) {
  const quantization_plan recipe = resolve_quantization("wint2", std::nullopt);
  EXPECT_EQ(recipe.name(), "W8/4/2A16C16");
  EXPECT_EQ(recipe.name_for(std::vector<bool>(10, true)), "W8/4/2A16C16");
  EXPECT_EQ(recipe.name_for(std::vector<bool>(7, true)), "W8/4A16C16");  // MoE layers 0-6 only
  EXPECT_EQ(recipe.name_for({}), "W8A16C16");                           // dense model
  EXPECT_EQ(recipe.name_for(std::vector<bool>(30, false)), "W8A16C16");
  std::vector<bool> late_moe(12, false);
  late_moe[11] = true;  // one MoE layer, past the WINT4 range
  EXPECT_EQ(recipe.name_for(late_moe), "W8/2A16C16");
  // WINT4 experts over layers 0..100000 and WINT2 for the rest: no layer of a 10-layer model
  // is WINT2.
  quantization_config c;
  c.quantization = "mix_quant";
  c.dense_quant_type = "wint4";
  c.moe_quant_type = "w4w2";
  c.moe_w4_quant_config = moe_layer_quant_config{"wint4", "group", 128, 0, 100000};
  const quantization_plan g128 = resolve_quantization("", c);
  EXPECT_EQ(g128.name_for(std::vector<bool>(10, true)), "W4A16C16");
  EXPECT_EQ(resolve_quantization("wint8", std::nullopt, kv_cache_format::int8).name_for({}), "W8A16C8");
}

// w4w2 with only the WINT2 range given: WINT4 takes the layers before it, never over it.
TEST(QuantizationPlan, W4w2WithOnlyTheWint2RangeLeavesItsLayersToWint2) {
  quantization_config c;
  c.moe_quant_type = "w4w2";
  c.moe_w2_quant_config = moe_layer_quant_config{"wint2", "pp_acc", 64, 3, 9};
  const quantization_plan plan = resolve_quantization("", c);
  for (int layer = 0; layer <= 2; ++layer) EXPECT_EQ(plan.format_for(layer_kind::moe_expert, layer), weight_format::wint4);
  for (int layer = 3; layer <= 9; ++layer) EXPECT_EQ(plan.format_for(layer_kind::moe_expert, layer), weight_format::wint2);
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 10), weight_format::none);
  c.moe_w2_quant_config->quant_start_layer = 0;  // all WINT2: no WINT4 range at all
  const quantization_plan all2 = resolve_quantization("", c);
  EXPECT_EQ(all2.format_for(layer_kind::moe_expert, 0), weight_format::wint2);
}

TEST(QuantizationPlan, UniformMethodsAndNames) {
  const auto wint8 = resolve_quantization("wint8", std::nullopt);
  EXPECT_EQ(wint8.format_for(layer_kind::moe_expert, 3), weight_format::wint8);
  EXPECT_EQ(wint8.format_for(layer_kind::lm_head, 3), weight_format::none);
  EXPECT_EQ(wint8.name(), "W8A16C16");
  EXPECT_EQ(resolve_quantization("wint8", std::nullopt, kv_cache_format::int8).name(), "W8A16C8");
  EXPECT_EQ(resolve_quantization("wint4", std::nullopt).name(), "W4A16C16");
  const auto fp8 = resolve_quantization("block_wise_fp8", std::nullopt);
  EXPECT_EQ(fp8.scheme_for(layer_kind::attention, 0), (weight_scheme{weight_format::block_wise_fp8, 128}));
  EXPECT_EQ(fp8.name(), "Wfp8Afp8C16");
  const auto none = resolve_quantization("", std::nullopt);
  EXPECT_FALSE(none.quantizes_anything());
  EXPECT_EQ(none.name(), "W16A16C16");
  EXPECT_EQ(resolve_quantization("", std::nullopt, kv_cache_format::fp8).name(), "W16A16Cfp8");
}

TEST(QuantizationPlan, MixQuantAndKvCacheFromConfig) {
  quantization_config c;
  c.quantization = "mix_quant";
  c.dense_quant_type = "wint8";
  c.moe_quant_type = "wint4";
  c.kv_cache_quant_type = "int8";
  const auto plan = resolve_quantization("", c);
  EXPECT_EQ(plan.format_for(layer_kind::shared_expert, 2), weight_format::wint8);
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 2), weight_format::wint4);
  EXPECT_EQ(plan.kv_cache(), kv_cache_format::int8);
  EXPECT_EQ(plan.name(), "W8/4A16C8");
  EXPECT_EQ(resolve_quantization("mix_quant", c, kv_cache_format::fp8).kv_cache(), kv_cache_format::fp8);
}

TEST(QuantizationPlan, GroupWiseWint4FromTheMoeConfig) {
  quantization_config c = ernie_wint2_config();
  c.moe_w4_quant_config = moe_layer_quant_config{"wint4", "group", 128, 0, 6};
  EXPECT_EQ(resolve_quantization("", c).scheme_for(layer_kind::moe_expert, 0),
            (weight_scheme{weight_format::wint4, 128}));
}

TEST(QuantizationPlan, HfFp8CheckpointIsBlockWiseFp8) {
  quantization_config c;
  c.quant_method = "fp8";
  c.weight_block_size = {128, 128};
  const auto plan = resolve_quantization("", c);
  EXPECT_EQ(plan.method(), "block_wise_fp8");
  EXPECT_EQ(plan.format_for(layer_kind::moe_expert, 0), weight_format::block_wise_fp8);
  c.weight_block_size = {64, 64};
  expect_error_naming([&] { resolve_quantization("", c); }, "weight_block_size");
  c.weight_block_size = {128, 128};
  expect_error_naming([&] { resolve_quantization("wint8", c); }, "--quantization");
}

TEST(QuantizationPlan, ValidationErrorsNameTheirKey) {
  expect_error_naming([] { resolve_quantization("int3", std::nullopt); }, "--quantization");
  auto c = ernie_wint2_config();
  c.moe_w4_quant_config->quant_start_layer = 5;
  c.moe_w4_quant_config->quant_end_layer = 2;
  expect_error_naming([&] { resolve_quantization("", c); }, "moe_w4_quant_config.quant_end_layer");
  c = ernie_wint2_config();
  c.moe_w2_quant_config->quant_group_size = 128;
  expect_error_naming([&] { resolve_quantization("", c); }, "moe_w2_quant_config.quant_group_size");
  c = ernie_wint2_config();
  c.moe_w4_quant_config = moe_layer_quant_config{"wint4", "group", 32, 0, 6};
  expect_error_naming([&] { resolve_quantization("", c); }, "moe_w4_quant_config.quant_group_size");
  c = ernie_wint2_config();
  c.dense_quant_type = "wint5";
  expect_error_naming([&] { resolve_quantization("", c); }, "dense_quant_type");
  c = ernie_wint2_config();
  c.moe_quant_type = "w3w1";
  expect_error_naming([&] { resolve_quantization("", c); }, "moe_quant_type");
  c = ernie_wint2_config();
  c.moe_w2_quant_config->quant_granularity = "per_tensor";
  expect_error_naming([&] { resolve_quantization("", c); }, "moe_w2_quant_config.quant_granularity");
  c = ernie_wint2_config();
  c.moe_w2_quant_config->quant_start_layer = 6;
  expect_error_naming([&] { resolve_quantization("", c); }, "quant_start_layer");
  c = ernie_wint2_config();
  c.kv_cache_quant_type = "int4_zp";
  expect_error_naming([&] { resolve_quantization("", c); }, "kv_cache_quant_type");
  c = ernie_wint2_config();
  c.has_zero_point = true;
  expect_error_naming([&] { resolve_quantization("", c); }, "has_zero_point");
  c = ernie_wint2_config();
  c.quantization = "awq";
  expect_error_naming([&] { resolve_quantization("", c); }, "quantization_config.quantization");
  expect_error_naming([&] { resolve_quantization("wint8", ernie_wint2_config()); }, "--quantization");
  quantization_config empty_mix;
  empty_mix.quantization = "mix_quant";
  expect_error_naming([&] { resolve_quantization("", empty_mix); }, "moe_quant_type");
  c = ernie_wint2_config();
  c.dense_quant_type = "wint2";
  expect_error_naming([&] { resolve_quantization("", c); }, "dense_quant_type");
}

}  // namespace
}  // namespace moeserve::quant::testing
