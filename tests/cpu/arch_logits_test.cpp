// Logits of every architecture on the CPU backend against transformers' (the fixtures of
// tests/fixtures/arch: tiny random-weight models in float32, three prompts).
//
// Tolerance: |ours - theirs| <= 1e-4 + 1e-4 * |theirs| for every logit (FP32 throughout on
// both sides; the differences are summation order and exp/cos rounding).
//
// The llama, qwen3 and qwen3_moe fixtures also run from GGUF files converted from them the
// way llama.cpp's converter lays them out (tools/make_arch_gguf.py: GGUF names, stacked
// experts, llama's q/k rows permuted for interleaved rotary pairs).
//
// Each prompt runs three ways through the paged cache (blocks of 4 slots, block ids handed
// out in a scrambled order): one prefill step; a prefill of part then one decode step per
// token; and all prompts side by side in one ragged step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "tests/support/arch_fixtures.hpp"

namespace moeserve::cpu {
namespace {

constexpr int block_size = 4;
constexpr int num_blocks = 64;

using test_support::prompt_case;
using test_support::read_expected;

void add_sequence(model::step_batch& batch, int sequence, const std::vector<std::int32_t>& ids, int first, int count,
                  bool all_logits) {
  test_support::add_sequence(batch, sequence, ids, first, count, all_logits, block_size, num_blocks);
}

void expect_close(const float* ours, const float* theirs, std::size_t n, const std::string& what) {
  float worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float excess = std::fabs(ours[i] - theirs[i]) - (1e-4f + 1e-4f * std::fabs(theirs[i]));
    if (excess > worst) worst = excess, at = i;
  }
  EXPECT_LE(worst, 0.0f) << what << ": logit " << at << " is " << ours[at] << ", transformers " << theirs[at];
}

class arch_logits : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = GetParam();
    std::filesystem::path source;
    if (name.ends_with(".gguf")) {
      source = std::filesystem::path(MOESERVE_ARCH_GGUF_DIR) / name;
      name.resize(name.size() - 5);
    }
    dir_ = std::filesystem::path(MOESERVE_ARCH_FIXTURES) / name;
    files_ = std::make_unique<model::model_files>(source.empty() ? dir_ : source);
    model_ = std::make_unique<model::decoder_model>(*files_, backend_);
    backend_.allocate_kv_cache(model_->kv_spec(block_size, num_blocks));
    cases_ = read_expected(dir_);
    vocab_ = model_->config().vocab_size;
    ASSERT_EQ(cases_.size(), 3u);
  }

  std::vector<float> run(const model::step_batch& batch) {
    std::vector<float> logits(batch.logit_rows.size() * static_cast<std::size_t>(vocab_));
    model_->forward(batch, logits);
    return logits;
  }

  std::filesystem::path dir_;
  cpu_backend backend_{2};
  std::unique_ptr<model::model_files> files_;
  std::unique_ptr<model::decoder_model> model_;
  std::vector<prompt_case> cases_;
  int vocab_ = 0;
};

TEST_P(arch_logits, one_prefill_step_per_prompt) {
  for (std::size_t c = 0; c < cases_.size(); ++c) {
    model::step_batch batch;
    add_sequence(batch, 0, cases_[c].ids, 0, static_cast<int>(cases_[c].ids.size()), true);
    const auto logits = run(batch);
    expect_close(logits.data(), cases_[c].logits.data(), logits.size(), "prompt " + std::to_string(c));
  }
}

TEST_P(arch_logits, prefill_then_decode_steps) {
  for (std::size_t c = 0; c < cases_.size(); ++c) {
    const auto& ids = cases_[c].ids;
    const int n = static_cast<int>(ids.size()), prefill = std::max(1, n / 2);
    model::step_batch first;
    add_sequence(first, 1, ids, 0, prefill, false);
    auto logits = run(first);
    const auto v = static_cast<std::size_t>(vocab_);
    expect_close(logits.data(), cases_[c].logits.data() + static_cast<std::size_t>(prefill - 1) * v, v, "prefill");
    for (int i = prefill; i < n; ++i) {
      model::step_batch step;
      add_sequence(step, 1, ids, i, 1, false);
      logits = run(step);
      expect_close(logits.data(), cases_[c].logits.data() + static_cast<std::size_t>(i) * v, v,
                   "prompt " + std::to_string(c) + " decode at " + std::to_string(i));
    }
  }
}

TEST_P(arch_logits, all_prompts_in_one_ragged_step) {
  model::step_batch batch;
  for (std::size_t c = 0; c < cases_.size(); ++c)
    add_sequence(batch, static_cast<int>(c), cases_[c].ids, 0, static_cast<int>(cases_[c].ids.size()), true);
  const auto logits = run(batch);
  std::size_t offset = 0;
  for (std::size_t c = 0; c < cases_.size(); ++c) {
    expect_close(logits.data() + offset, cases_[c].logits.data(), cases_[c].logits.size(), "prompt " + std::to_string(c));
    offset += cases_[c].logits.size();
  }
}

INSTANTIATE_TEST_SUITE_P(fixtures, arch_logits,
                         ::testing::Values("llama", "qwen3", "qwen3_moe", "ernie4_5_moe", "llama.gguf", "qwen3.gguf",
                                           "qwen3_moe.gguf"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

}  // namespace
}  // namespace moeserve::cpu
