// Tests ({% if x is name %}): jinja2's semantics, including its quirks for Undefined.
#include "model/chat/template_tests.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::error_of;
using testing::render;

TEST(ChatTests, TypeTests) {
  EXPECT_EQ(render("{{ nope is defined }} {{ nope is undefined }} {{ none is none }} {{ 0 is none }} "
                   "{{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }}"),
            "False True True False True False True False True");
  EXPECT_EQ(
      render("{{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is number }} {{ 1.5 is number }}"
             " {{ '1' is number }} {{ 's' is string }} {{ {} is mapping }} {{ [] is mapping }}"),
      "True False True True True False True True False");
  EXPECT_EQ(render("{{ [] is sequence }} {{ 's' is sequence }} {{ {} is sequence }} {{ 1 is sequence }} "
                   "{{ 's' is iterable }} {{ 1 is iterable }} {{ range is callable }} {{ 's'.strip is callable }} "
                   "{{ 's' is callable }}"),
            "True True True False True False True True False");
  // jinja2's Undefined has __len__, __getitem__, __iter__ and __call__.
  EXPECT_EQ(render("{{ nope is sequence }} {{ nope is iterable }} {{ nope is callable }} {{ nope is mapping }}"),
            "True True True False");
}

TEST(ChatTests, ValueTests) {
  EXPECT_EQ(
      render("{{ 3 is odd }} {{ 4 is even }} {{ 3.0 is odd }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }}"),
      "True True True True False");
  EXPECT_EQ(render("{{ 2 is eq 2.0 }} {{ 2 is equalto 3 }} {{ 'a' is ne 'b' }} {{ 1 is lt 2 }} {{ 2 is le 2 }} "
                   "{{ 3 is gt 2 }} {{ 3 is ge 4 }} {{ 1 is in [1] }} {{ [1, 2]|select('==', 1)|list }}"),
            "True False True True True True False True [1]");
  EXPECT_EQ(render("{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'Abc' is lower }} {{ 1 is sameas 1 }} "
                   "{{ none is sameas none }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ 'zz' is filter }}"),
            "True True False True True True True False");
  EXPECT_EQ(render("{{ 1 is not none }} {{ nope is not defined }}"), "True True");
  EXPECT_EQ(error_of("{{ nope is odd }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ 'a' is odd }}")->message(), "not all arguments converted during string formatting");
  EXPECT_EQ(find_test("nope"), nullptr);
}

}  // namespace
}  // namespace moeserve::model::jinja
