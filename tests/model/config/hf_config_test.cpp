#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "model/config/hf_config.hpp"

namespace moeserve::model {
namespace {

// SmolLM2-135M-Instruct's config.json, as Hugging Face ships it (values of the model).
constexpr const char* smollm2_json = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
  "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2, "hidden_act": "silu",
  "hidden_size": 576, "intermediate_size": 1536, "max_position_embeddings": 8192,
  "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
  "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "vocab_size": 49152})";

// Qwen3-30B-A3B's shapes (hidden 2048, 128 experts, top-8, expert intermediate 768).
constexpr const char* qwen3_moe_json = R"({
  "model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144, "head_dim": 128,
  "num_attention_heads": 32, "num_key_value_heads": 4, "num_hidden_layers": 48,
  "num_experts": 128, "num_experts_per_tok": 8, "moe_intermediate_size": 768, "norm_topk_prob": true,
  "decoder_sparse_step": 1, "mlp_only_layers": [], "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "max_position_embeddings": 40960, "tie_word_embeddings": false, "vocab_size": 151936,
  "bos_token_id": 151643, "eos_token_id": 151645})";

// ERNIE-4.5-21B-A3B: transformers' defaults for ernie4_5_moe, written out.
constexpr const char* ernie_json = R"({
  "model_type": "ernie4_5_moe", "hidden_size": 2560, "intermediate_size": 12288, "num_hidden_layers": 28,
  "num_attention_heads": 20, "num_key_value_heads": 4, "vocab_size": 103424, "max_position_embeddings": 131072,
  "moe_num_experts": 64, "moe_k": 6, "moe_intermediate_size": 1536, "moe_num_shared_experts": 2,
  "moe_layer_start_index": 1, "moe_layer_end_index": -1, "moe_layer_interval": 1, "moe_norm_min": 1e-12,
  "rope_theta": 500000.0, "tie_word_embeddings": true, "use_bias": false, "bos_token_id": 1, "eos_token_id": 2})";

TEST(HfConfig, ReadsADenseLlamaConfig) {
  const model_config c = parse_hf_config(smollm2_json);
  EXPECT_EQ(c.arch, architecture::llama);
  EXPECT_EQ(c.vocab_size, 49152);
  EXPECT_EQ(c.hidden_size, 576);
  EXPECT_EQ(c.num_layers, 30);
  EXPECT_EQ(c.num_heads, 9);
  EXPECT_EQ(c.num_kv_heads, 3);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.rope.rotary_dims, 64);
  EXPECT_EQ(c.intermediate_size, 1536);
  EXPECT_DOUBLE_EQ(c.rope.theta, 100000.0);
  EXPECT_EQ(c.rope.scaling, "none");
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_FALSE(c.qk_norm);
  EXPECT_FALSE(c.is_moe());
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<int>{2});
}

TEST(HfConfig, ReadsQwen3MoeRoutingAndPerLayerFlags) {
  const model_config c = parse_hf_config(qwen3_moe_json);
  EXPECT_EQ(c.arch, architecture::qwen3_moe);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.head_dim, 128);  // explicit, not hidden / heads (64)
  EXPECT_EQ(c.moe.num_experts, 128);
  EXPECT_EQ(c.moe.experts_per_token, 8);
  EXPECT_EQ(c.moe.expert_intermediate_size, 768);
  EXPECT_TRUE(c.moe.normalize_top_k);
  ASSERT_EQ(c.moe.moe_layers.size(), 48u);
  for (int i = 0; i < 48; ++i) EXPECT_TRUE(c.moe.is_moe_layer(i));
  EXPECT_FALSE(c.tie_word_embeddings);
}

TEST(HfConfig, Qwen3MoeSparseStepAndMlpOnlyLayersMakeDenseLayers) {
  std::string j = qwen3_moe_json;
  j.replace(j.find("\"decoder_sparse_step\": 1"), 24, "\"decoder_sparse_step\": 2");
  j.replace(j.find("\"mlp_only_layers\": []"), 21, "\"mlp_only_layers\": [3, 5]");
  const model_config c = parse_hf_config(j);
  EXPECT_FALSE(c.moe.is_moe_layer(0));
  EXPECT_TRUE(c.moe.is_moe_layer(1));
  EXPECT_FALSE(c.moe.is_moe_layer(3));  // listed as MLP-only
  EXPECT_FALSE(c.moe.is_moe_layer(4));
  EXPECT_FALSE(c.moe.is_moe_layer(5));
  EXPECT_TRUE(c.moe.is_moe_layer(7));
}

TEST(HfConfig, ReadsErnieSharedExpertsAndLayerRange) {
  const model_config c = parse_hf_config(ernie_json);
  EXPECT_EQ(c.arch, architecture::ernie4_5_moe);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.moe.num_experts, 64);
  EXPECT_EQ(c.moe.experts_per_token, 6);
  EXPECT_EQ(c.moe.shared_experts, 2);
  EXPECT_EQ(c.moe.shared_intermediate_size, 3072);
  EXPECT_TRUE(c.moe.normalize_top_k);
  EXPECT_DOUBLE_EQ(c.moe.norm_min, 1e-12);
  EXPECT_FALSE(c.moe.is_moe_layer(0));  // moe_layer_start_index 1
  for (int i = 1; i < 28; ++i) EXPECT_TRUE(c.moe.is_moe_layer(i)) << i;
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope.theta, 500000.0);
}

TEST(HfConfig, ErnieIntervalCountsLayersFromOne) {
  std::string j = ernie_json;
  j.replace(j.find("\"moe_layer_interval\": 1"), 23, "\"moe_layer_interval\": 2");
  const model_config c = parse_hf_config(j);
  EXPECT_TRUE(c.moe.is_moe_layer(1));  // (1 + 1) % 2 == 0
  EXPECT_FALSE(c.moe.is_moe_layer(2));
  EXPECT_TRUE(c.moe.is_moe_layer(3));
}

TEST(HfConfig, RopeThetaInsideRopeParametersAndLlama3Scaling) {
  std::string j = smollm2_json;
  j.replace(j.find("\"rope_scaling\": null, \"rope_theta\": 100000,"), 43,
            "\"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"llama3\", \"factor\": 8.0, "
            "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192},");
  const model_config c = parse_hf_config(j);
  EXPECT_DOUBLE_EQ(c.rope.theta, 500000.0);
  EXPECT_EQ(c.rope.scaling, "llama3");
  EXPECT_DOUBLE_EQ(c.rope.factor, 8.0);
  EXPECT_EQ(c.rope.original_max_position, 8192);
}

TEST(HfConfig, EosMayBeAList) {
  std::string j = qwen3_moe_json;
  j.replace(j.find("\"eos_token_id\": 151645"), 22, "\"eos_token_id\": [151645, 151643]");
  EXPECT_EQ(parse_hf_config(j).eos_token_ids, (std::vector<int>{151645, 151643}));
}

// Replaces `what` in the SmolLM2 config and expects the error to mention `mentions`.
void expect_rejected(const std::string& what, const std::string& with, const std::string& mentions) {
  std::string j = smollm2_json;
  const auto at = j.find(what);
  ASSERT_NE(at, std::string::npos) << what;
  j.replace(at, what.size(), with);
  try {
    parse_hf_config(j, "cfg.json");
    ADD_FAILURE() << "accepted: " << with;
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos) << e.what();
  }
}

TEST(HfConfig, RejectsBadValuesNamingTheKey) {
  expect_rejected("\"num_key_value_heads\": 3", "\"num_key_value_heads\": 2", "multiple of num_key_value_heads");
  expect_rejected("\"hidden_size\": 576", "\"hidden_size\": 5.5", "hidden_size");
  expect_rejected("\"hidden_size\": 576", "\"hidden_size\": \"576\"", "hidden_size");
  expect_rejected("\"vocab_size\": 49152", "\"vocab_size\": 99999999999", "vocab_size");
  expect_rejected("\"num_hidden_layers\": 30", "\"num_hidden_layers\": 0", "num_hidden_layers");
  expect_rejected("\"num_hidden_layers\": 30", "\"num_hidden_layers\": 1000000000", "num_hidden_layers");
  expect_rejected("\"eos_token_id\": 2", "\"eos_token_id\": 49152", "eos_token_id");
  expect_rejected("\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\"", "gpt_neox");
  expect_rejected("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act");
  expect_rejected("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": -1", "rms_norm_eps");
  expect_rejected("\"vocab_size\": 49152}", "\"vocab_size\": 49152", "not valid JSON");
}

TEST(HfConfig, RejectsMoeThatPicksMoreExpertsThanExist) {
  std::string j = qwen3_moe_json;
  j.replace(j.find("\"num_experts_per_tok\": 8"), 24, "\"num_experts_per_tok\": 129");
  EXPECT_THROW(parse_hf_config(j), config_error);
}

TEST(HfConfig, ReadsTheFileAndNamesAMissingOne) {
  EXPECT_THROW(load_hf_config("/nonexistent/config.json"), config_error);
}

}  // namespace
}  // namespace moeserve::model

namespace moeserve::model {
namespace {

// The checkpoints that transformers wrote for the architecture fixtures
// (tools/make_arch_fixtures.py) must read back with the shapes they were made with.
TEST(HfConfig, ReadsTheConfigsTransformersWroteForTheFixtures) {
  const std::filesystem::path dir = std::filesystem::path(MOESERVE_SOURCE_DIR) / "tests/fixtures/arch";
  const model_config llama = load_hf_config(dir / "llama/config.json");
  EXPECT_EQ(llama.arch, architecture::llama);
  EXPECT_EQ(llama.num_layers, 2);
  EXPECT_EQ(llama.head_dim, 16);
  const model_config qwen3 = load_hf_config(dir / "qwen3/config.json");
  EXPECT_EQ(qwen3.arch, architecture::qwen3);
  EXPECT_EQ(qwen3.head_dim, 32);
  EXPECT_DOUBLE_EQ(qwen3.rope.theta, 1000000.0);
  const model_config qmoe = load_hf_config(dir / "qwen3_moe/config.json");
  EXPECT_EQ(qmoe.moe.num_experts, 8);
  EXPECT_FALSE(qmoe.moe.is_moe_layer(0));  // mlp_only_layers [0]
  EXPECT_TRUE(qmoe.moe.is_moe_layer(1));
  const model_config ernie = load_hf_config(dir / "ernie4_5_moe/config.json");
  EXPECT_EQ(ernie.moe.shared_experts, 1);
  EXPECT_DOUBLE_EQ(ernie.rope.theta, 500000.0);  // inside rope_parameters
  EXPECT_TRUE(ernie.tie_word_embeddings);
  EXPECT_FALSE(ernie.moe.is_moe_layer(0));
  EXPECT_TRUE(ernie.moe.is_moe_layer(2));
}

}  // namespace
}  // namespace moeserve::model
