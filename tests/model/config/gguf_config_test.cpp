#include <gtest/gtest.h>

#include <filesystem>

#include "model/config/gguf_config.hpp"
#include "model/config/hf_config.hpp"

namespace moeserve::model {
namespace {

std::filesystem::path default_model() {
  if (const char* p = std::getenv("MOESERVE_TEST_MODEL")) return p;
  return std::filesystem::path(MOESERVE_SOURCE_DIR) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf";
}

TEST(GgufConfig, TheDefaultModelGivesTheSameConfigAsItsConfigJson) {
  const auto path = default_model();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no default model at " << path << " (tools/install-deps --model)";
  const gguf_file file(path);
  const model_config g = config_from_gguf(file);
  const model_config h = parse_hf_config(R"({"model_type": "llama", "hidden_size": 576, "intermediate_size": 1536,
      "max_position_embeddings": 8192, "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
      "rms_norm_eps": 1e-05, "rope_theta": 100000, "tie_word_embeddings": true, "vocab_size": 49152,
      "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2})");
  EXPECT_EQ(g.arch, h.arch);
  EXPECT_EQ(g.vocab_size, h.vocab_size);
  EXPECT_EQ(g.hidden_size, h.hidden_size);
  EXPECT_EQ(g.num_layers, h.num_layers);
  EXPECT_EQ(g.num_heads, h.num_heads);
  EXPECT_EQ(g.num_kv_heads, h.num_kv_heads);
  EXPECT_EQ(g.head_dim, h.head_dim);
  EXPECT_EQ(g.rope.rotary_dims, h.rope.rotary_dims);
  EXPECT_EQ(g.intermediate_size, h.intermediate_size);
  EXPECT_EQ(g.max_position_embeddings, h.max_position_embeddings);
  EXPECT_NEAR(g.rms_norm_eps, h.rms_norm_eps, 1e-12);  // stored as f32 in the GGUF
  EXPECT_DOUBLE_EQ(g.rope.theta, h.rope.theta);
  EXPECT_EQ(g.tie_word_embeddings, h.tie_word_embeddings);  // no output.weight in the file
  EXPECT_EQ(g.bos_token_id, h.bos_token_id);
  EXPECT_EQ(g.eos_token_ids, h.eos_token_ids);
  EXPECT_EQ(g.pad_token_id, h.pad_token_id);
}

}  // namespace
}  // namespace moeserve::model
