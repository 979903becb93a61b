#include "model/tokenizer/utf8.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/model/tokenizer/test_support.hpp"

namespace moeserve::model {
namespace {

using utf8::repair_policy;

std::string repaired(std::string_view bytes, repair_policy policy) {
  std::string out;
  const std::size_t used = utf8::append_repaired(out, bytes, policy, true);
  EXPECT_EQ(used, bytes.size());
  return out;
}

const std::string fffd(utf8::replacement_character);

TEST(Utf8, InspectClassifiesValidInvalidAndIncompleteSequences) {
  EXPECT_EQ(utf8::inspect("a").status, utf8::sequence_status::valid);
  EXPECT_EQ(utf8::inspect("\xE4\xB8\xAD").length, 3u);
  EXPECT_EQ(utf8::inspect("\xF0\x9F\x98\x80").length, 4u);
  EXPECT_EQ(utf8::inspect("\xE4\xB8").status, utf8::sequence_status::incomplete);
  EXPECT_EQ(utf8::inspect("\x80").status, utf8::sequence_status::invalid);
  EXPECT_EQ(utf8::inspect("\xC0\xAF").status, utf8::sequence_status::invalid);          // overlong
  EXPECT_EQ(utf8::inspect("\xED\xA0\x80").status, utf8::sequence_status::invalid);      // surrogate
  EXPECT_EQ(utf8::inspect("\xF4\x90\x80\x80").status, utf8::sequence_status::invalid);  // > U+10FFFF
  EXPECT_EQ(utf8::inspect("\xE4\xB8\x41").length, 2u);                                  // the maximal subpart E4 B8
}

TEST(Utf8, MaximalSubpartRepairMatchesUnicodesExample) {
  // Unicode 15, section 3.9, table 3-8 (the outputs Python's errors="replace" gives too).
  EXPECT_EQ(repaired("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", repair_policy::maximal_subpart),
            "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d");
  EXPECT_EQ(repaired("\xE4\xB8\x41", repair_policy::maximal_subpart), fffd + "A");
  EXPECT_EQ(repaired("\xED\xA0\x80", repair_policy::maximal_subpart), fffd + fffd + fffd);
  EXPECT_EQ(repaired("\xF0\x9F\x98", repair_policy::maximal_subpart), fffd);
}

TEST(Utf8, EachByteRepairReplacesEveryBadByte) {
  EXPECT_EQ(repaired("\xE4\xB8\x41", repair_policy::each_byte), fffd + fffd + "A");
  EXPECT_EQ(repaired("\xF0\x9F\x98", repair_policy::each_byte), fffd + fffd + fffd);
  EXPECT_EQ(repaired("ok", repair_policy::each_byte), "ok");
}

TEST(Utf8, StreamingRepairKeepsAnIncompleteTail) {
  std::string out;
  EXPECT_EQ(utf8::append_repaired(out, "ab\xE4\xB8", repair_policy::maximal_subpart, false), 2u);
  EXPECT_EQ(out, "ab");
  EXPECT_EQ(utf8::append_repaired(out, "\xFF\xE4", repair_policy::maximal_subpart, false), 1u);
  EXPECT_EQ(out, "ab" + fffd);
}

TEST(Utf8, RepairedTextIsAlwaysValidAndValidTextIsUnchanged) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    const std::string bytes = test::random_bytes(rng, 1 + i % 40);
    std::string storage;
    EXPECT_TRUE(utf8::is_valid(utf8::repaired(bytes, storage)));
    const std::string text = test::random_utf8(rng, 1 + i % 30);
    EXPECT_EQ(utf8::repaired(text, storage), text);
    EXPECT_EQ(repaired(text, repair_policy::each_byte), text);
  }
}

TEST(Utf8, DecodesAndEncodesCodePoints) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";
  std::size_t pos = 0;
  EXPECT_EQ(utf8::decode_at(s, pos), U'a');
  EXPECT_EQ(utf8::decode_at(s, pos), U'\u00E9');
  EXPECT_EQ(utf8::decode_at(s, pos), U'\u4E2D');
  EXPECT_EQ(utf8::decode_at(s, pos), U'\U0001F600');
  EXPECT_EQ(pos, s.size());
  EXPECT_EQ(utf8::previous_boundary(s, s.size()), s.size() - 4);
  std::string back;
  for (const char32_t cp : {U'a', U'\u00E9', U'\u4E2D', U'\U0001F600'}) utf8::append_code_point(back, cp);
  EXPECT_EQ(back, s);
}

TEST(Utf8, WhiteSpaceIsUnicodesPropertyWithoutMongolianVowelSeparator) {
  for (const char32_t cp : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\u0085', U'\u00A0', U'\u2028', U'\u3000'}) {
    EXPECT_TRUE(utf8::is_white_space(cp)) << static_cast<unsigned>(cp);
  }
  for (const char32_t cp : {U'a', U'\u180E', U'\u200B', U'\uFEFF', U'\x1C'}) {
    EXPECT_FALSE(utf8::is_white_space(cp)) << static_cast<unsigned>(cp);
  }
}

}  // namespace
}  // namespace moeserve::model
