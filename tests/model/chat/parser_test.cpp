// The parser: operator precedence as jinja2 has it, statement structure, and syntax
// errors (with positions) for what the subset refuses.
#include "model/chat/parser.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::context_with;
using testing::error_of;
using testing::render;

TEST(ChatParser, OperatorPrecedenceMatchesJinja2) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }}"), "7");
  EXPECT_EQ(render("{{ 2 ** 3 ** 2 }}"), "64");   // left-associative in jinja2
  EXPECT_EQ(render("{{ -2 ** 2 }}"), "4");        // unary minus binds tighter
  EXPECT_EQ(render("{{ 1 ~ 2 + '3' }}"), "123");  // ~ binds tighter than +
  EXPECT_EQ(render("{{ 'a' ~ 2 * 3 }}"), "a6");   // and looser than *
  EXPECT_TRUE(error_of("{{ 1 + 2 ~ 3 }}"));       // 1 + "23"
  EXPECT_EQ(render("{{ not 1 == 2 }}"), "True");
  EXPECT_EQ(render("{{ 1 or 0 and 0 }}"), "1");
  EXPECT_EQ(render("{{ -3|abs }}"), "3");  // a filter applies to the negated value
  EXPECT_EQ(render("{{ 'ab' ~ 'cd'|upper }}"), "abCD");
  EXPECT_EQ(render("{{ 1 if 0 else 2 if 0 else 3 }}"), "3");
  EXPECT_EQ(render("{{ 5 is odd and 4 is even }}"), "True");
  EXPECT_EQ(render("{{ 2 is divisibleby 2 }}"), "True");
  EXPECT_EQ(render("{{ x is not none }}", context_with("x", value::integer(1))), "True");
}

TEST(ChatParser, TuplesListsDictsAndSubscripts) {
  EXPECT_EQ(render("{{ (1, 2) }} {{ (1,) }} {{ () }} {{ [1, 2,] }} {{ {'a': 1,} }}"), "(1, 2) (1,) () [1, 2] {'a': 1}");
  EXPECT_EQ(render("{{ 1, 2 }}"), "(1, 2)");
  EXPECT_EQ(render("{{ 'abcdef'[1:4] }} {{ 'abcdef'[::2] }} {{ 'abcdef'[:-2] }} {{ 'abcdef'[-2:] }}"),
            "bcd ace abcd ef");
  EXPECT_EQ(render("{{ [1, 2, 3][::-1] }} {{ [1, 2, 3][1:] }}"), "[3, 2, 1] [2, 3]");
}

TEST(ChatParser, CallsWithKeywordAndStarArguments) {
  EXPECT_EQ(
      render("{% macro m(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ m(*[5, 6]) }} {{ m(**{'a': 7}) }} {{ m(1, b=3,) }}"),
      "56 72 13");
  auto e = error_of("{{ f(a=1, 2) }}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
}

TEST(ChatParser, UnknownTagsAndTemplateLoadingAreRefused) {
  for (const char* src : {"{% include 'x.j2' %}", "{% import 'x' as y %}", "{% extends 'base' %}",
                          "{% from 'x' import y %}", "{% block b %}{% endblock %}"}) {
    auto e = error_of(src);
    ASSERT_TRUE(e) << src;
    EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
    EXPECT_NE(e->message().find("cannot load other templates"), std::string::npos) << src;
  }
  auto e = error_of("ok\n{% frobnicate %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "Encountered unknown tag 'frobnicate'.");
  EXPECT_EQ(e->line(), 2u);
  EXPECT_EQ(e->column(), 4u);
  e = error_of("{% do x %}");
  ASSERT_TRUE(e);  // the `do` extension is not enabled by transformers either
}

TEST(ChatParser, MissingEndTagIsReportedAtTheEnd) {
  auto e = error_of("{% for x in y %}\nbody\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
  EXPECT_NE(e->message().find("'endfor' or 'else'"), std::string::npos);
  e = error_of("{% if a %}{% endfor %}");
  ASSERT_TRUE(e);
  e = error_of("{% endif %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "Encountered unknown tag 'endif'.");
}

TEST(ChatParser, UnknownFiltersFailAtParseTimeUnlessInsideIf) {
  auto e = error_of("{{ x | nosuchfilter }}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
  EXPECT_EQ(e->message(), "No filter named 'nosuchfilter'.");
  EXPECT_EQ(e->column(), 8u);
  // jinja2 defers the check inside if blocks and inline ifs: not evaluated, no error.
  EXPECT_EQ(render("{% if false %}{{ x | nosuchfilter }}{% endif %}ok"), "ok");
  EXPECT_EQ(render("{{ 'a' if true else (x | nosuchfilter) }}"), "a");
  e = error_of("{% if true %}{{ x | nosuchfilter }}{% endif %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::runtime);
  // A loop inside an if is checked again.
  ASSERT_TRUE(error_of("{% if false %}{% for i in x %}{{ i | nosuchfilter }}{% endfor %}{% endif %}"));
  EXPECT_EQ(error_of("{{ x is nosuchtest }}")->message(), "No test named 'nosuchtest'.");
}

TEST(ChatParser, LoopControlsOnlyInsideLoops) {
  auto e = error_of("{% break %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "'break' outside loop");
  ASSERT_TRUE(error_of("{% for x in [1] %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}"));
  ASSERT_TRUE(error_of("{% for x in [] %}{% else %}{% break %}{% endfor %}"));
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}"), "13");
}

TEST(ChatParser, UnsupportedConstructsAreClearErrors) {
  EXPECT_NE(error_of("{% for x in y recursive %}{% endfor %}")->message().find("recursive"), std::string::npos);
  EXPECT_NE(error_of("{% call m() %}{% endcall %}")->message().find("not supported"), std::string::npos);
  EXPECT_NE(error_of("{% macro m(a=1, b) %}{% endmacro %}")->message().find("non-default"), std::string::npos);
  EXPECT_NE(error_of("{% set 1 = 2 %}")->message().find("assign"), std::string::npos);
  EXPECT_NE(error_of("{{ }}")->message().find("Expected an expression"), std::string::npos);
  EXPECT_NE(error_of("{{ x is defined is defined }}")->message().find("chain"), std::string::npos);
}

}  // namespace
}  // namespace moeserve::model::jinja
