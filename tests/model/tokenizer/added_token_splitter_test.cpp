#include "model/tokenizer/added_token_splitter.hpp"

#include <gtest/gtest.h>

namespace moeserve::model {
namespace {

// "text" for plain stretches, "#id" for tokens.
std::vector<std::string> parts(const added_token_splitter& s, std::string_view text, std::vector<text_range> trusted) {
  std::vector<text_span> spans;
  s.split(text, trusted, spans);
  std::vector<std::string> out;
  for (const text_span& sp : spans) {
    out.push_back(sp.id == no_token ? std::string(text.substr(sp.begin, sp.end - sp.begin))
                                    : "#" + std::to_string(sp.id));
  }
  return out;
}

using strings = std::vector<std::string>;
const std::vector<text_range> none;
std::vector<text_range> all(std::string_view s) { return {{0, s.size()}}; }

TEST(AddedTokenSplitter, TakesTheLeftmostThenLongestMatch) {
  const added_token_splitter s({{1, "<|im", true}, {2, "<|im_end|>", true}, {3, "end", false}});
  const std::string t = "a<|im_end|>b<|imx";
  EXPECT_EQ(parts(s, t, all(t)), (strings{"a", "#2", "b", "#1", "x"}));
}

TEST(AddedTokenSplitter, UntrustedTextKeepsSpecialTokensAsTextWithoutLookingInside) {
  const added_token_splitter s({{2, "<|im_end|>", true}, {3, "end", false}});
  const std::string t = "x<|im_end|> end";
  // The skipped special match hides the "end" inside it; the later "end" is taken.
  EXPECT_EQ(parts(s, t, none), (strings{"x<|im_end|> ", "#3"}));
  EXPECT_EQ(parts(s, t, all(t)), (strings{"x", "#2", " ", "#3"}));
}

TEST(AddedTokenSplitter, SpecialTokensCountOnlyWhollyInsideATrustedRange) {
  const added_token_splitter s({{7, "<s>", true}});
  const std::string t = "<s>a<s>b<s>";
  EXPECT_EQ(parts(s, t, {{0, 3}, {7, 11}}), (strings{"#7", "a<s>b", "#7"}));
  EXPECT_EQ(parts(s, t, {{0, 2}}), (strings{"<s>a<s>b<s>"}));  // a range cutting the token
}

TEST(AddedTokenSplitter, LstripAndRstripTakeTheSurroundingWhiteSpace) {
  const added_token_splitter s({{1, "<mask>", true, false, true, true}});
  const std::string t = "a \t<mask>\n b";
  EXPECT_EQ(parts(s, t, all(t)), (strings{"a", "#1", "b"}));
}

TEST(AddedTokenSplitter, SingleWordTokensNeedNonWordNeighbours) {
  added_token sw{4, "[sw]", false};
  sw.single_word = true;
  const added_token_splitter s({sw});
  const std::string t = "[sw] x[sw] ([sw]) _[sw] \xC3\xA9[sw]";
  EXPECT_EQ(parts(s, t, none), (strings{"#4", " x[sw] (", "#4", ") _[sw] \xC3\xA9[sw]"}));
}

TEST(AddedTokenSplitter, NormalizedTokensAreMatchedInASecondPass) {
  added_token late{5, "hello world", false};
  late.normalized = true;
  const added_token_splitter s({late, {6, "world", false}});
  // The first pass (normalized == false) takes "world" before "hello world" is looked for.
  const std::string t = "hello world";
  EXPECT_EQ(parts(s, t, none), (strings{"hello ", "#6"}));
  const std::string u = "say hello world";
  const added_token_splitter only_late({late});
  EXPECT_EQ(parts(only_late, u, none), (strings{"say ", "#5"}));
}

TEST(AddedTokenSplitter, EmptyTextAndNoTokens) {
  const added_token_splitter s({{1, "<s>", true}});
  EXPECT_TRUE(parts(s, "", none).empty());
  const added_token_splitter nothing;
  EXPECT_TRUE(nothing.empty());
  EXPECT_EQ(parts(nothing, "abc", none), (strings{"abc"}));
}

}  // namespace
}  // namespace moeserve::model
