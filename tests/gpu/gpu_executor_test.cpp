// The GPU executor on the qwen3_moe and llama fixtures: its start-up (KV cache sized from
// device memory, refusals), step plans with sampling, and errors that leave it usable.
// Skips where no CUDA device is present.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "cpu/cpu_backend.hpp"
#include "gpu/runner/gpu_executor.hpp"
#include "model/arch/model_files.hpp"
#include "tests/gpu/gpu_test_support.hpp"

namespace moeserve::gpu {
namespace {

gpu_executor_options options_for_tests() {
  gpu_executor_options o;
  o.block_size = 16;
  o.max_model_len = 256;
  o.max_num_seqs = 8;
  o.max_num_batched_tokens = 128;
  o.gpu_memory_utilization = 0.2;
  return o;
}

model::model_files fixture(const char* name) {
  return model::model_files(std::filesystem::path(MOESERVE_ARCH_FIXTURES) / name);
}

// A plan of `sequences` prompts of `len` tokens each (blocks 2s, 2s+1, ...), greedy or seeded.
model::step_plan prompt_plan(int sequences, int len, int block_size, bool greedy) {
  model::step_plan plan;
  plan.step = 1;
  std::mt19937 rng(5);
  for (int s = 0; s < sequences; ++s) {
    model::sequence_slice slice;
    slice.first_token = plan.batch.token_count();
    slice.token_count = len;
    for (int b = 0; b * block_size < len + 8; ++b) slice.block_table.push_back(4 * s + b);
    for (int p = 0; p < len; ++p) {
      plan.batch.tokens.push_back(static_cast<std::int32_t>(rng() % 300));
      plan.batch.positions.push_back(p);
      plan.batch.slots.push_back(std::int64_t{slice.block_table[std::size_t(p / block_size)]} * block_size + p % block_size);
    }
    plan.batch.logit_rows.push_back(plan.batch.token_count() - 1);
    plan.batch.sequences.push_back(slice);
    model::planned_sequence ps;
    ps.id = std::uint64_t(s + 1);
    ps.samples = true;
    ps.prompt_len = len;
    ps.logprobs = true;
    ps.top_logprobs = 3;
    if (greedy) {
      ps.sampling.temperature = 0.0f;
    } else {
      ps.sampling.temperature = 0.8f;
      ps.sampling.top_p = 0.9f;
      ps.sampling.seed = 42 + s;
    }
    plan.sequences.push_back(ps);
  }
  return plan;
}

TEST(gpu_executor, sizes_its_kv_cache_from_device_memory) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const auto files = fixture("qwen3_moe");
  gpu_executor e(files, options_for_tests());
  EXPECT_GE(e.num_blocks(), 256 / 16);
  EXPECT_EQ(e.block_size(), 16);
  EXPECT_GT(e.kv_cache_bytes(), 0u);
  EXPECT_GT(e.weight_bytes(), 0u);
  EXPECT_GT(e.activation_bytes(), 0u);
  EXPECT_NE(e.backend_name().find("cuda:0"), std::string::npos);
}

TEST(gpu_executor, refuses_what_it_cannot_run_in_one_line) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const auto files = fixture("llama");
  auto o = options_for_tests();
  o.gpu_memory_utilization = 0.0001;  // less than the weights and activations
  try {
    gpu_executor e(files, o);
    ADD_FAILURE() << "a KV cache in 0.01% of the device";
  } catch (const gpu_executor_error& err) {
    EXPECT_NE(std::string(err.what()).find("needs"), std::string::npos) << err.what();
    EXPECT_EQ(std::string(err.what()).find('\n'), std::string::npos);
  }
  o = options_for_tests();
  o.device = 999;
  EXPECT_THROW(gpu_executor(files, o), gpu_executor_error);
  o = options_for_tests();
  gpu_executor first(files, o);
  o.gpu_memory_utilization = 0.9;  // 90% of the device while the first holds 20%
  try {
    gpu_executor second(files, o);
    ADD_FAILURE() << "90% of a device of which the first executor holds 20%";
  } catch (const gpu_executor_error& err) {
    EXPECT_NE(std::string(err.what()).find("free"), std::string::npos) << err.what();
  }
}

TEST(gpu_executor, greedy_tokens_are_the_argmax_of_its_logits_and_seeded_ones_repeat) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const auto files = fixture("qwen3_moe");
  const auto o = options_for_tests();
  gpu_executor e(files, o);
  const auto plan = prompt_plan(3, 11, o.block_size, true);
  const auto r = e.execute(plan);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.tokens.size(), 3u);
  std::vector<float> logits(3 * std::size_t(e.config().vocab_size));
  e.forward(plan.batch, logits);
  for (std::size_t s = 0; s < 3; ++s) {
    const float* row = logits.data() + s * std::size_t(e.config().vocab_size);
    const auto best = std::max_element(row, row + e.config().vocab_size) - row;
    EXPECT_EQ(r.tokens[s].token, best);
    EXPECT_LE(r.tokens[s].logprob, 0.0f);
    EXPECT_EQ(r.tokens[s].top.size(), 3u);
  }
  // Seeded sampling: two executors, the same plan, the same tokens.
  gpu_executor other(files, o);
  auto seeded = prompt_plan(3, 11, o.block_size, false);
  for (auto& s : seeded.sequences) s.id += 100;
  const auto a = e.execute(seeded), b = other.execute(seeded);
  ASSERT_TRUE(a.error.empty() && b.error.empty());
  for (std::size_t s = 0; s < 3; ++s) EXPECT_EQ(a.tokens[s].token, b.tokens[s].token);
}

TEST(gpu_executor, a_bad_plan_is_an_error_result_and_the_executor_goes_on) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const auto files = fixture("llama");
  const auto o = options_for_tests();
  gpu_executor e(files, o);
  auto bad = prompt_plan(1, 5, o.block_size, true);
  bad.batch.slots[2] = std::int64_t{e.num_blocks()} * o.block_size + 3;  // outside the cache
  bad.batch.sequences[0].block_table[0] = e.num_blocks() + 1;
  EXPECT_FALSE(e.execute(bad).error.empty());
  auto big = prompt_plan(2, 100, o.block_size, true);  // 200 tokens > max_num_batched_tokens
  EXPECT_FALSE(e.execute(big).error.empty());
  const auto good = e.execute(prompt_plan(2, 7, o.block_size, true));
  EXPECT_TRUE(good.error.empty()) << good.error;
  EXPECT_EQ(good.tokens.size(), 2u);
}

// --load-format dummy: the GPU makes the synthetic weights itself with the host's formula,
// so the GPU and CPU backends run the same model.
TEST(gpu_executor, dummy_weights_are_the_cpus) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  const model::model_files files(std::filesystem::path(MOESERVE_ARCH_FIXTURES) / "qwen3_moe", model::load_format::dummy);
  cpu::cpu_backend cpu_backend(2);
  model::decoder_model on_cpu(files, cpu_backend);
  cpu_backend.allocate_kv_cache(on_cpu.kv_spec(16, 8));
  const auto o = options_for_tests();
  gpu_executor e(files, o);
  const auto plan = prompt_plan(2, 9, o.block_size, true);
  std::vector<float> a(2 * std::size_t(e.config().vocab_size)), b(a.size());
  e.forward(plan.batch, a);  // blocks 0, 1, 4 and 5
  on_cpu.forward(plan.batch, b);
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff += (double(a[i]) - b[i]) * (a[i] - b[i]), norm += double(b[i]) * b[i];
  EXPECT_LE(std::sqrt(diff / norm), 3e-2);
}

}  // namespace
}  // namespace moeserve::gpu
