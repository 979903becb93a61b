// json_writer: escaping (control characters, quotes, invalid UTF-8), commas, numbers, and
// that whatever bytes it is given, the output is JSON that reads back as the intended text.
#include "net/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

std::string as_json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json_string("a\"b\\c/"), R"("a\"b\\c/")");
  EXPECT_EQ(as_json_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json_string(std::string("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f)"
                                                                "\x7f\"");
}

TEST(JsonWriter, KeepsValidUtf8AsIs) {
  const std::string text = "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x99\x82 \xEF\xBF\xBF";
  EXPECT_EQ(as_json_string(text), "\"" + text + "\"");
  EXPECT_EQ(to_valid_utf8(text), text);
}

TEST(JsonWriter, ReplacesInvalidUtf8ByMaximalSubpartsAsPythonDoes) {
  // Expected values from Python: bytes.decode("utf-8", "replace").
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(to_valid_utf8("\xFF"), r);
  EXPECT_EQ(to_valid_utf8("\xC3"), r);                          // truncated 2-byte sequence
  EXPECT_EQ(to_valid_utf8("\xE6\x97"), r);                      // truncated 3-byte: one subpart
  EXPECT_EQ(to_valid_utf8("\xF0\x9F\x99x"), r + "x");           // truncated 4-byte, then ASCII
  EXPECT_EQ(to_valid_utf8("\xF0\x80\x80\x80"), r + r + r + r);  // overlong
  EXPECT_EQ(to_valid_utf8("\xE0\x80\x80"), r + r + r);          // overlong
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), r + r);                  // C0 never valid
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(to_valid_utf8("a\x80"
                          "b"),
            "a" + r + "b");  // a lone continuation byte
  EXPECT_EQ(as_json_string("\xE6\x97\n"), "\"" + r + "\\n\"");
}

TEST(JsonWriter, PutsCommasBetweenMembersAndItems) {
  json_writer w;
  w.begin_object();
  w.key("a").integer(1);
  w.key("b").begin_array().integer(1).string("x").null().boolean(true).boolean(false).end_array();
  w.key("c").begin_object().end_object();
  w.key("d").begin_array().end_array();
  w.key("e").begin_array().begin_object().key("f").null().end_object().begin_array().end_array().end_array();
  w.key("g").raw("[1,2]");
  w.end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[1,"x",null,true,false],"c":{},"d":[],"e":[{"f":null},[]],"g":[1,2]})");
  EXPECT_TRUE(testing::is_json(w.str()));
}

TEST(JsonWriter, EscapesKeys) {
  json_writer w;
  w.begin_object().key("a\"\n\xFF").integer(0).end_object();
  EXPECT_EQ(w.str(), "{\"a\\\"\\n\xEF\xBF\xBD\":0}");
}

TEST(JsonWriter, WritesIntegersExactly) {
  json_writer w;
  w.begin_array();
  w.integer(0).integer(-1).integer(std::numeric_limits<std::int64_t>::min());
  w.integer(std::numeric_limits<std::int64_t>::max());
  w.end_array();
  EXPECT_EQ(w.str(), "[0,-1,-9223372036854775808,9223372036854775807]");
}

TEST(JsonWriter, WritesFloatsAsTheShortestTextThatReadsBack) {
  json_writer w;
  w.begin_array();
  w.real(0.1).real(-0.1f).real(1.0).real(1e21).real(1.5e-7).real(-0.0).real(3.4028234663852886e38f);
  w.end_array();
  EXPECT_EQ(w.str(), "[0.1,-0.1,1,1e+21,1.5e-07,-0,3.4028235e+38]");
  EXPECT_TRUE(testing::is_json(w.str()));
}

TEST(JsonWriter, NeverWritesNanOrInfinity) {
  json_writer w;
  w.begin_array();
  w.real(std::nan("")).real(std::numeric_limits<double>::infinity()).real(-std::numeric_limits<float>::infinity());
  w.real(std::numeric_limits<float>::quiet_NaN());
  w.end_array();
  EXPECT_EQ(w.str(), "[null,null,null,null]");
}

TEST(JsonWriter, AnyBytesGiveJsonThatReadsBackAsTheReplacedText) {
  std::mt19937 rng(20240601);
  simdjson::dom::parser parser;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 24, '\0');
    for (auto& c : bytes) {
      // Mostly bytes around the UTF-8 boundaries, some ASCII and control characters.
      static constexpr unsigned char pool[] = {0x00, 0x01, 0x0A, 0x1F, '"',  '\\', 'a',  0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                               0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
      c = static_cast<char>(pool[rng() % sizeof pool]);
    }
    const std::string json = as_json_string(bytes);
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(json).get(e)) << "not JSON for round " << round;
    ASSERT_TRUE(e.is_string());
    EXPECT_EQ(std::string_view(e), to_valid_utf8(bytes)) << "round " << round;
  }
}

}  // namespace
}  // namespace moeserve::net
