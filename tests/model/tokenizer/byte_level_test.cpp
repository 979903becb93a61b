#include "model/tokenizer/byte_level.hpp"

#include <gtest/gtest.h>

#include <set>

namespace moeserve::model {
namespace {

TEST(ByteLevel, MapsBytesToGpt2sPrintableAlphabet) {
  EXPECT_EQ(byte_level::byte_to_code_point(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(byte_level::byte_to_code_point('\n'), U'\u010A');  // 'Ċ'
  EXPECT_EQ(byte_level::byte_to_code_point('A'), U'A');
  EXPECT_EQ(byte_level::byte_to_code_point(0xE4), U'\u00E4');
  EXPECT_EQ(byte_level::byte_to_code_point(0xAD), U'\u0143');
  EXPECT_EQ(byte_level::encode(" the"), "\xC4\xA0the");  // "Ġthe"
}

TEST(ByteLevel, IsABijectionOnAllBytes) {
  std::set<char32_t> seen;
  std::string all;
  for (int b = 0; b < 256; ++b) {
    const char32_t cp = byte_level::byte_to_code_point(static_cast<std::uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second);
    EXPECT_EQ(byte_level::code_point_to_byte(cp), b);
    all.push_back(static_cast<char>(b));
  }
  EXPECT_EQ(byte_level::decode(byte_level::encode(all)), all);
}

TEST(ByteLevel, DecodeRejectsCharactersOutsideTheAlphabet) {
  EXPECT_EQ(byte_level::decode("hello world"), std::nullopt);   // a plain space
  EXPECT_EQ(byte_level::decode("\xE4\xB8\xAD"), std::nullopt);  // '中'
  EXPECT_EQ(byte_level::decode("\xFF"), std::nullopt);          // not UTF-8
  EXPECT_EQ(byte_level::code_point_to_byte(U'\u4E2D'), -1);
  EXPECT_EQ(byte_level::decode("<|im_end|>"), "<|im_end|>");
}

}  // namespace
}  // namespace moeserve::model
