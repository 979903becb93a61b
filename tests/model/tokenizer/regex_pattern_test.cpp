#include "model/tokenizer/regex_pattern.hpp"

#include <gtest/gtest.h>

#include "model/tokenizer/pre_tokenizer_config.hpp"
#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {
namespace {

std::vector<std::string> all_matches(const regex_pattern& re, std::string_view s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  std::size_t b = 0;
  std::size_t e = 0;
  while (pos < s.size() && re.find(s, pos, b, e)) {
    out.emplace_back(s.substr(b, e - b));
    pos = e > b ? e : e + 1;
  }
  return out;
}

TEST(RegexPattern, TranslatesWhiteSpaceClassesToUnicodesWhiteSpace) {
  const std::string set = R"(\t-\r\x20\x85\xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
  EXPECT_EQ(translate_oniguruma_classes(R"(\s+)"), "[" + set + "]+");
  EXPECT_EQ(translate_oniguruma_classes(R"(\S)"), "[^" + set + "]");
  EXPECT_EQ(translate_oniguruma_classes(R"(\\s)"), R"(\\s)");  // a backslash, then 's'
  EXPECT_EQ(translate_oniguruma_classes(R"(\Q\s\E\s)"), R"(\Q\s\E[)" + set + "]");
  EXPECT_EQ(translate_oniguruma_classes(R"([]\s])"), "[]" + set + "]");
  EXPECT_EQ(translate_oniguruma_classes(R"([^\S])"), R"([^\S])");  // negated inside a class: as is
}

TEST(RegexPattern, ExtendsLettersAndNumbersWithUnicode15And16) {
  const std::string letters = translate_oniguruma_classes(R"(\p{L}+)");
  EXPECT_TRUE(letters.starts_with(R"([\p{L}\x{1C89}-\x{1C8A})")) << letters;
  EXPECT_TRUE(letters.ends_with(R"(\x{31350}-\x{323AF}]+)")) << letters;
  const std::string cls = translate_oniguruma_classes(R"([^\s\p{L}\p{N}])");
  EXPECT_TRUE(cls.starts_with(R"([^\t-\r)")) << cls;
  EXPECT_NE(cls.find(R"(\p{N}\x{10D40}-\x{10D49})"), std::string::npos) << cls;
  EXPECT_EQ(translate_oniguruma_classes(R"(\P{N})").substr(0, 9), R"([^\p{N}\x)");
  EXPECT_EQ(translate_oniguruma_classes(R"(\p{Lu})"), R"(\p{Lu})");  // only L and N are extended
  std::size_t b = 0;
  std::size_t e = 0;
  EXPECT_TRUE(regex_pattern(R"(\p{L})").find("\xF0\xB1\x8D\x90", 0, b, e));  // U+31350, CJK extension H
  EXPECT_TRUE(regex_pattern(R"(\p{N})").find("\xF0\x9D\x8B\x80", 0, b, e));  // U+1D2C0, a Kaktovik numeral
  EXPECT_FALSE(regex_pattern(R"(\p{L})").find("\xF0\x9D\x8B\x80", 0, b, e));
}

TEST(RegexPattern, MongolianVowelSeparatorIsNotWhiteSpaceAsInOniguruma) {
  const regex_pattern ws(R"(\s)");
  std::size_t b = 0;
  std::size_t e = 0;
  EXPECT_FALSE(ws.find("\xE1\xA0\x8E", 0, b, e));  // U+180E
  EXPECT_TRUE(ws.find("\xC2\x85", 0, b, e));       // U+0085 NEXT LINE
  EXPECT_TRUE(ws.find("\xE3\x80\x80", 0, b, e));   // U+3000 IDEOGRAPHIC SPACE
}

TEST(RegexPattern, FindsMatchesAndTheirBounds) {
  const regex_pattern re(gpt2_pattern);
  EXPECT_EQ(all_matches(re, "Hello world's  end\n\n"),
            (std::vector<std::string>{"Hello", " world", "'s", " ", " end", "\n\n"}));
  std::size_t b = 0;
  std::size_t e = 0;
  EXPECT_TRUE(re.find("ab cd", 2, b, e));
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(e, 5u);
  EXPECT_TRUE(re.matches_at("ab cd", 2));
}

TEST(RegexPattern, LookaheadSeesOnlyTheSubject) {
  const regex_pattern re(R"(\s+(?!\S))");
  std::size_t b = 0;
  std::size_t e = 0;
  ASSERT_TRUE(re.find("a  ", 0, b, e));  // at the end of the subject: both spaces
  EXPECT_EQ(e - b, 2u);
}

TEST(RegexPattern, HandlesAMegabyteOfWhiteSpace) {
  const regex_pattern re(gpt2_pattern);
  const std::string spaces(1 << 20, ' ');
  std::size_t b = 0;
  std::size_t e = 0;
  ASSERT_TRUE(re.find(spaces, 0, b, e));
  EXPECT_EQ(e - b, spaces.size());
}

TEST(RegexPattern, ReportsAPatternThatDoesNotCompile) {
  EXPECT_THROW(regex_pattern("(unclosed"), tokenizer_error);
  EXPECT_THROW(regex_pattern(R"(\p{NoSuchProperty})"), tokenizer_error);
}

}  // namespace
}  // namespace moeserve::model
