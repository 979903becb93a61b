// Python's str() and repr() of values, float formatting, and json.dumps.
#include "model/chat/value_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "chat_test_support.hpp"
#include "model/chat/json_dump.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::render;

TEST(ChatValueFormat, FloatsPrintAsPythonRepr) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {1.5e-5, "1.5e-05"},
      {0.0001, "0.0001"},
      {123.456, "123.456"},
      {1e-310, "1e-310"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {2.5e22, "2.5e+22"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
  };
  for (const auto& [d, text] : cases) EXPECT_EQ(format_float(d), text) << d;
  EXPECT_EQ(format_float(std::nan("")), "nan");
}

TEST(ChatValueFormat, StrAndReprOfContainers) {
  dict_data d;
  d.set("k", value::trusted_string("v"));
  d.set("n", value::none());
  const value v =
      value::list({value::integer(1), value::trusted_string("it's"), value::floating(2.0), value::boolean(true),
                   value::list({value::integer(3)}, true), value::dict(std::move(d)), value()});
  EXPECT_EQ(py_str(v).text(), "[1, \"it's\", 2.0, True, (3,), {'k': 'v', 'n': None}, Undefined]");
  EXPECT_EQ(py_str(value()).text(), "");
  EXPECT_EQ(py_str(value::none()).text(), "None");
  EXPECT_EQ(py_repr(value::trusted_string("a'b\"c")).text(), R"('a\'b"c')");
  EXPECT_EQ(py_repr(value::trusted_string("t\tn\n\\ \x01 \x7f é \u200b 😀")).text(),
            R"('t\tn\n\\ \x01 \x7f é \u200b 😀')");
}

TEST(ChatValueFormat, JsonDumpsLikePython) {
  dict_data d;
  d.set("s", value::trusted_string("é\"\\\n\t\x01\x7f"));
  d.set("l", value::list({value::floating(0.5), value::floating(1e100), value::integer(-3), value::none()}));
  d.set("e", value::dict({}));
  const value v = value::dict(std::move(d));
  EXPECT_EQ(to_json(v, {}).text(), R"({"s": "é\"\\\n\t\u0001)"
                                   "\x7f"
                                   R"(", "l": [0.5, 1e+100, -3, null], "e": {}})");
  json_options ascii;
  ascii.ensure_ascii = true;
  EXPECT_EQ(to_json(value::trusted_string("é\x7f😀"), ascii).text(), R"("\u00e9\u007f\ud83d\ude00")");
  json_options pretty;
  pretty.indent = "  ";
  EXPECT_EQ(to_json(value::list({value::integer(1), value::list({})}), pretty).text(), "[\n  1,\n  []\n]");
  EXPECT_EQ(to_json(value::floating(std::nan("")), {}).text(), "NaN");
}

TEST(ChatValueFormat, OutputOfSpecialValues) {
  EXPECT_EQ(render("{{ none }} {{ true }} {{ 3 }} {{ 2.50 }} {{ [] }} {{ {} }} {{ () }}"), "None True 3 2.5 [] {} ()");
  EXPECT_EQ(render("{% for x in [1, 2] %}{{ loop }}{% endfor %}"), "<LoopContext 1/2><LoopContext 2/2>");
}

}  // namespace
}  // namespace moeserve::model::jinja
