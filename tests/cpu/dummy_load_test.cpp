// --load-format dummy: a model from its config.json alone (model_files.hpp), every weight
// synthetic (synthetic_tensor.hpp), run on the CPU backend.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "cpu/cpu_backend.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/load_error.hpp"
#include "model/io/synthetic_tensor.hpp"
#include "tests/support/arch_fixtures.hpp"

namespace moeserve::cpu {
namespace {

std::filesystem::path fixture(const char* name) { return std::filesystem::path(MOESERVE_ARCH_FIXTURES) / name; }

TEST(dummy_load, every_weight_is_synthetic_with_the_expected_fill) {
  const model::model_files files(fixture("ernie4_5_moe"), model::load_format::dummy);
  EXPECT_TRUE(files.dummy());
  EXPECT_EQ(files.find("lm_head.weight"), nullptr);  // tied embeddings
  EXPECT_EQ(files.find("model.layers.0.self_attn.q_proj.weight_scale"), nullptr);
  const auto* q = files.find("model.layers.0.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q, files.find("model.layers.0.self_attn.q_proj.weight"));  // stable
  EXPECT_EQ(q->synthetic, model::synthetic_fill::random);
  EXPECT_EQ(files.find("model.layers.0.input_layernorm.weight")->synthetic, model::synthetic_fill::ones);
  EXPECT_EQ(files.find("model.layers.1.mlp.moe_statics.e_score_correction_bias")->synthetic,
            model::synthetic_fill::zeros);
  model::tensor_view v = *q;
  v.rank = 2;
  v.shape = {64, 500, 0, 0};
  const auto values = model::dequantize(v);
  double sum = 0, sq = 0;
  for (const float x : values) {
    sum += x;
    sq += double(x) * x;
    EXPECT_LE(std::fabs(x), model::synthetic_half_width);
  }
  EXPECT_NEAR(sum / values.size(), 0.0, 1e-3);
  EXPECT_NEAR(std::sqrt(sq / values.size()), model::synthetic_std, 1e-3);
  const auto rows = model::dequantize_rows(v, 10, 2);  // the same values read in part
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i], values[10 * 500 + i]);
}

TEST(dummy_load, a_model_without_weight_files_runs) {
  for (const char* arch : {"llama", "qwen3_moe", "ernie4_5_moe"}) {
    const model::model_files files(fixture(arch), model::load_format::dummy);
    cpu_backend b(2);
    model::decoder_model m(files, b);
    b.allocate_kv_cache(m.kv_spec(4, 16));
    model::step_batch batch;
    test_support::add_sequence(batch, 0, {3, 5, 7, 11}, 0, 4, true, 4, 16);
    std::vector<float> logits(4 * std::size_t(m.config().vocab_size));
    m.forward(batch, logits);
    for (const float x : logits) ASSERT_TRUE(std::isfinite(x)) << arch;
    EXPECT_NE(logits[0], logits[1]) << arch;
  }
  EXPECT_THROW(model::model_files(fixture("llama") / "no-such"), model::load_error);
  EXPECT_THROW(model::parse_load_format("pt"), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::cpu
