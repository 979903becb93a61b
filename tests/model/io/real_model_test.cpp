// The default model, models/SmolLM2-135M-Instruct.Q4_1.gguf (tools/install-deps --model):
// its metadata and tokenizer arrays, and rows of its Q8_0 and Q4_1 tensors dequantized
// bit-identically to gguf-py (tests/fixtures/gguf/smollm2_expected.gguf, written by
// tools/make_gguf_fixtures.py). Skipped when the model is not downloaded; the environment
// variable MOESERVE_TEST_MODEL overrides its path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "model/io/dequantize.hpp"
#include "model/io/gguf_file.hpp"
#include "model/io/load_progress.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

class DefaultModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::is_regular_file(default_model_path())) model_ = new gguf_file(default_model_path());
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    if (model_ == nullptr) {
      GTEST_SKIP() << default_model_path() << " is missing; run tools/install-deps --model";
    }
  }
  static const gguf_file& model() { return *model_; }

 private:
  static inline gguf_file* model_ = nullptr;
};

TEST_F(DefaultModel, HasTheExpectedMetadata) {
  EXPECT_EQ(model().version(), 3u);
  EXPECT_EQ(model().get_string("general.architecture"), "llama");
  EXPECT_EQ(model().get_u32("llama.block_count"), 30u);
  EXPECT_EQ(model().get_u32("llama.embedding_length"), 576u);
  EXPECT_EQ(model().get_u32("llama.attention.head_count"), 9u);
  EXPECT_EQ(model().get_u32("llama.attention.head_count_kv"), 3u);
  EXPECT_EQ(model().get_u32("llama.context_length"), 8192u);
  EXPECT_EQ(model().get_f32("llama.rope.freq_base"), 100000.0f);
  EXPECT_EQ(model().get_f32("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  EXPECT_EQ(model().get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(model().get_u32("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(model().get_u32("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(model().find_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_THAT(std::string(model().get_string("tokenizer.chat_template")), ::testing::StartsWith("{% for message"));
  EXPECT_EQ(model().alignment(), 32u);
  EXPECT_EQ(model().metadata().size(), 33u);
}

TEST_F(DefaultModel, HasTheTokenizerArrays) {
  const auto tokens = model().get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 49152u);
  EXPECT_EQ(tokens[0], "<|endoftext|>");
  EXPECT_EQ(tokens[1], "<|im_start|>");
  EXPECT_EQ(tokens[2], "<|im_end|>");
  EXPECT_EQ(model().get_string_array("tokenizer.ggml.merges").size(), 48900u);
  EXPECT_EQ(model().get_i32_array("tokenizer.ggml.token_type").size(), 49152u);
}

TEST_F(DefaultModel, Has272TensorsOfThreeTypes) {
  ASSERT_EQ(model().tensors().size(), 272u);
  std::map<dtype, int> by_type;
  std::uint64_t bytes = 0;
  for (const tensor_view& t : model().tensors()) {
    ++by_type[t.type];
    bytes += t.data.size();
  }
  EXPECT_EQ(by_type[dtype::q4_1], 210);
  EXPECT_EQ(by_type[dtype::f32], 61);
  EXPECT_EQ(by_type[dtype::q8_0], 1);
  EXPECT_EQ(model().data_offset() + bytes, model().bytes().size());  // packed, nothing left over
  const tensor_view& embd = model().tensor("token_embd.weight");
  EXPECT_EQ(embd.type, dtype::q8_0);
  EXPECT_EQ(embd.rank, 2);
  EXPECT_EQ(embd.shape[0], 49152);
  EXPECT_EQ(embd.shape[1], 576);
  const tensor_view& down = model().tensor("blk.29.ffn_down.weight");
  EXPECT_EQ(down.type, dtype::q4_1);
  EXPECT_EQ(down.shape[0], 576);
  EXPECT_EQ(down.shape[1], 1536);
}

TEST_F(DefaultModel, RowsMatchGgufPyBitForBit) {
  const gguf_file expected(fixtures_dir() / "gguf" / "smollm2_expected.gguf");
  ASSERT_EQ(expected.get_u64("model.file_size"), model().bytes().size())
      << "the fixture was made from another model file; rerun tools/make_gguf_fixtures.py";
  std::map<std::string, int> types_seen;
  for (const tensor_view& want : expected.tensors()) {
    const std::string name(want.name);
    const tensor_view& t = model().tensor(name);
    std::string ggml_name(moeserve::model::name(t.type));  // gguf-py spells it in capitals
    for (char& c : ggml_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(expected.get_string(name + ".type"), ggml_name) << name;
    ++types_seen[std::string(moeserve::model::name(t.type))];
    const auto rows = expected.get_array<std::uint32_t>(name + ".rows");
    const auto values = dequantize(want);
    ASSERT_EQ(values.size(), rows.size() * static_cast<std::size_t>(t.row_length())) << name;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto got = dequantize_rows(t, rows[i], 1);
      std::size_t mismatches = 0;
      for (std::size_t j = 0; j < got.size(); ++j) {
        const float w = values[i * got.size() + j];
        if (std::bit_cast<std::uint32_t>(got[j]) != std::bit_cast<std::uint32_t>(w)) {
          if (mismatches++ < 3)
            ADD_FAILURE() << name << " row " << rows[i] << "[" << j << "]: " << got[j] << " vs " << w;
        }
      }
      EXPECT_EQ(mismatches, 0u) << name << " row " << rows[i];
    }
  }
  EXPECT_GE(types_seen["q8_0"], 1);
  EXPECT_GE(types_seen["q4_1"], 2);
  EXPECT_GE(types_seen["f32"], 1);
}

// Every tensor dequantizes to finite values, with the progress line counting them
// (written to a temporary file instead of a terminal).
TEST_F(DefaultModel, EveryTensorDequantizesToFiniteValues) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  std::uint64_t total = 0;
  for (const tensor_view& t : model().tensors()) total += t.data.size();
  {
    load_progress progress("SmolLM2", static_cast<std::int64_t>(model().tensors().size()),
                           static_cast<std::int64_t>(total), out, true);
    std::vector<float> buffer;
    for (const tensor_view& t : model().tensors()) {
      buffer.resize(static_cast<std::size_t>(t.element_count()));
      dequantize_into(t, buffer);
      std::size_t bad = 0;
      for (float v : buffer) bad += std::isfinite(v) ? 0 : 1;
      EXPECT_EQ(bad, 0u) << t.name;
      progress.add(1, static_cast<std::int64_t>(t.data.size()));
    }
  }
  std::string text(4096, '\0');
  std::rewind(out);
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  EXPECT_THAT(text, ::testing::HasSubstr("loading SmolLM2: 272/272 tensors"));
  EXPECT_THAT(text, ::testing::EndsWith("\n"));
}

}  // namespace
}  // namespace moeserve::model::testing
