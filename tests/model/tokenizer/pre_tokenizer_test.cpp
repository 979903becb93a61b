#include "model/tokenizer/pre_tokenizer.hpp"

#include <gtest/gtest.h>

namespace moeserve::model {
namespace {

using pieces = std::vector<std::string>;

pieces split(const std::vector<pre_tokenizer_step>& steps, std::string_view text) {
  const pre_tokenizer pre(steps);
  pieces out;
  pre.split(text, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}

pieces split(pre_tokenizer_kind kind, std::string_view text) { return split(pre_tokenizer_steps(kind), text); }

TEST(PreTokenizer, Gpt2SplitsWordsNumbersPunctuationAndWhitespace) {
  EXPECT_EQ(split(pre_tokenizer_kind::gpt2, "I'm here,  12345 times!\n\n  x"),
            (pieces{"I", "'m", " here", ",", " ", " 12345", " times", "!", "\n\n ", " x"}));
}

TEST(PreTokenizer, SmollmIsolatesEveryDigitBeforeGpt2sRegex) {
  EXPECT_EQ(split(pre_tokenizer_kind::smollm, "in 2024, x1"), (pieces{"in", " ", "2", "0", "2", "4", ",", " x", "1"}));
  // The regex runs on the stretch before the digit: "\s+(?!\S)" takes both spaces there.
  EXPECT_EQ(split(pre_tokenizer_kind::smollm, "a  1"), (pieces{"a", "  ", "1"}));
  EXPECT_EQ(split(pre_tokenizer_kind::gpt2, "a  1"), (pieces{"a", " ", " 1"}));
  // Any \p{N}: Arabic-Indic, superscript, Roman numerals.
  EXPECT_EQ(split(pre_tokenizer_kind::smollm, "\xD9\xA3\xC2\xB2\xE2\x85\xAB"),
            (pieces{"\xD9\xA3", "\xC2\xB2", "\xE2\x85\xAB"}));
  // Numbers newer than PCRE2's Unicode 14, as HF's Digits knows them: U+1D2C0 (Unicode 15),
  // U+11DE0 (Unicode 17).
  EXPECT_EQ(split(pre_tokenizer_kind::smollm,
                  "a\xF0\x9D\x8B\x80\xF0\x91\xB7\xA0"
                  "b"),
            (pieces{"a", "\xF0\x9D\x8B\x80", "\xF0\x91\xB7\xA0", "b"}));
}

TEST(PreTokenizer, Llama3GroupsDigitsByThreeAndKeepsCaseInsensitiveContractions) {
  EXPECT_EQ(split(pre_tokenizer_kind::llama3, "1234567 WE'LL go"), (pieces{"123", "456", "7", " WE", "'LL", " go"}));
  EXPECT_EQ(split(pre_tokenizer_kind::llama3, "x\n\n  y"), (pieces{"x", "\n\n", " ", " y"}));
}

TEST(PreTokenizer, Qwen2SplitsDigitsOneByOne) {
  EXPECT_EQ(split(pre_tokenizer_kind::qwen2, "v12 ok"), (pieces{"v", "1", "2", " ok"}));
}

TEST(PreTokenizer, SplitBehaviorsPlaceTheDelimiters) {
  auto dash = [](split_behavior b, bool invert = false) { return std::vector<pre_tokenizer_step>{{"-", b, invert}}; };
  EXPECT_EQ(split(dash(split_behavior::isolated), "a--b-"), (pieces{"a", "-", "-", "b", "-"}));
  EXPECT_EQ(split(dash(split_behavior::removed), "a--b-"), (pieces{"a", "b"}));
  EXPECT_EQ(split(dash(split_behavior::merged_with_previous), "a--b-"), (pieces{"a-", "-", "b-"}));
  EXPECT_EQ(split(dash(split_behavior::merged_with_next), "-a--b"), (pieces{"-a", "-", "-b"}));
  EXPECT_EQ(split(dash(split_behavior::contiguous), "a--b-"), (pieces{"a", "--", "b", "-"}));
  EXPECT_EQ(split(dash(split_behavior::removed, true), "a--bc-"), (pieces{"-", "-", "-"}));
}

TEST(PreTokenizer, AddPrefixSpacePrependsASpaceToEachPiece) {
  const std::vector<pre_tokenizer_step> steps{{std::string(gpt2_pattern), split_behavior::isolated, false, true}};
  EXPECT_EQ(split(steps, "hi there"), (pieces{" hi", " there"}));
  EXPECT_EQ(split(steps, " hi"), (pieces{" hi"}));
}

TEST(PreTokenizer, WithoutStepsTheTextIsOnePieceAndEmptyTextNone) {
  EXPECT_EQ(split(std::vector<pre_tokenizer_step>{}, "a b"), (pieces{"a b"}));
  EXPECT_EQ(split(pre_tokenizer_kind::gpt2, ""), pieces{});
}

TEST(PreTokenizer, GgufNamesMapToKinds) {
  EXPECT_EQ(pre_tokenizer_kind_from_gguf("smollm"), pre_tokenizer_kind::smollm);
  EXPECT_EQ(pre_tokenizer_kind_from_gguf("llama-bpe"), pre_tokenizer_kind::llama3);
  EXPECT_EQ(pre_tokenizer_kind_from_gguf("qwen2"), pre_tokenizer_kind::qwen2);
  EXPECT_EQ(pre_tokenizer_kind_from_gguf("gpt-2"), pre_tokenizer_kind::gpt2);
  EXPECT_EQ(pre_tokenizer_kind_from_gguf("deepseek-coder"), std::nullopt);
  EXPECT_TRUE(ignores_merges(pre_tokenizer_kind::llama3));
  EXPECT_FALSE(ignores_merges(pre_tokenizer_kind::smollm));
}

}  // namespace
}  // namespace moeserve::model
