#include "model/tokenizer/unicode_additions.hpp"

#include <gtest/gtest.h>

#include "model/tokenizer/pre_tokenizer.hpp"

namespace moeserve::model {
namespace {

using unicode_additions::contains_recent_letters_or_numbers;

TEST(UnicodeAdditions, FindsLettersAndNumbersNewerThanUnicode14) {
  EXPECT_TRUE(contains_recent_letters_or_numbers("abc \xF0\xB1\x8D\x90"));                 // U+31350 CJK extension H
  EXPECT_TRUE(contains_recent_letters_or_numbers("\xE1\xB2\x89"));                         // U+1C89 (Unicode 16)
  EXPECT_TRUE(contains_recent_letters_or_numbers("x\xF0\x9D\x8B\x80y"));                   // U+1D2C0 Kaktovik numeral
  EXPECT_FALSE(contains_recent_letters_or_numbers("hello \xE4\xB8\xAD\xF0\x9F\x98\x80"));  // 中 😀
  EXPECT_FALSE(contains_recent_letters_or_numbers("\xE1\xB2\x88"));                        // U+1C88 (Unicode 11)
  EXPECT_FALSE(contains_recent_letters_or_numbers(""));
}

TEST(UnicodeAdditions, MembersAreRegexClassRanges) {
  EXPECT_TRUE(unicode_additions::letter_members().starts_with(R"(\x{1C89}-\x{1C8A}\x{A7CB}-\x{A7CD})"));
  EXPECT_TRUE(unicode_additions::letter_members().ends_with(R"(\x{31350}-\x{323AF})"));
  EXPECT_TRUE(unicode_additions::number_members().starts_with(R"(\x{10D40}-\x{10D49})"));
}

TEST(UnicodeAdditions, PreTokenizerTreatsThemAsOnigurumaDoes) {
  const pre_tokenizer gpt2(pre_tokenizer_steps(pre_tokenizer_kind::gpt2));
  std::vector<std::string> pieces;
  gpt2.split(
      "a\xF0\xB1\x8D\x90"
      "b c",
      [&](std::string_view p) { pieces.emplace_back(p); });
  // U+31350 is a letter (Unicode 15): one word with its neighbours.
  EXPECT_EQ(pieces, (std::vector<std::string>{"a\xF0\xB1\x8D\x90"
                                              "b",
                                              " c"}));
}

}  // namespace
}  // namespace moeserve::model
