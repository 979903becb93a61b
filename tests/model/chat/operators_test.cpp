// Operators: Python's arithmetic, comparisons and membership on template values, with
// jinja2's Undefined semantics and 64-bit integer overflow as an error.
#include "model/chat/operators.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::context_with;
using testing::error_of;
using testing::render;

TEST(ChatOperators, IntegerAndFloatArithmeticFollowsPython) {
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 6 / 3 }}"),
            "3 -4 1 2 -2 3.5 2.0");
  EXPECT_EQ(render("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 3 }} {{ true + true }}"),
            "3.0 0.5 1024 0.5 8.0 2");
  EXPECT_EQ(render("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 1 / 3 }}"),
            "0.30000000000000004 1e+16 1000000000000000.0 0.3333333333333333");
}

TEST(ChatOperators, ErrorsWhereJinja2Raises) {
  EXPECT_EQ(error_of("{{ 1 / 0 }}")->message(), "division by zero");
  EXPECT_EQ(error_of("{{ 1 // 0 }}")->message(), "integer division or modulo by zero");
  EXPECT_EQ(error_of("{{ 'a' + 1 }}")->message(), "can only concatenate str (not \"int\") to str");
  EXPECT_EQ(error_of("{{ 1 + none }}")->message(), "unsupported operand type(s) for +: 'int' and 'NoneType'");
  EXPECT_EQ(error_of("{{ [1] + (2,) }}")->message(), "can only concatenate list (not \"tuple\") to list");
  EXPECT_EQ(error_of("{{ 1 < 'a' }}")->message(), "'<' not supported between instances of 'int' and 'str'");
  EXPECT_EQ(error_of("{{ 1 in 'abc' }}")->message(), "'in <string>' requires string as left operand, not int");
  EXPECT_EQ(error_of("{{ 1 in none }}")->message(), "argument of type 'NoneType' is not iterable");
  EXPECT_EQ(error_of("{{ -'a' }}")->message(), "bad operand type for unary -: 'str'");
  EXPECT_EQ(error_of("{{ {} <= {} }}")->message(), "'<=' not supported between instances of 'dict' and 'dict'");
  auto e = error_of("a\n  {{ 9223372036854775807 + 1 }}");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message().find("integer overflow"), std::string::npos);
  EXPECT_EQ(e->line(), 2u);
  EXPECT_EQ(e->column(), 26u);  // at the operator
  EXPECT_TRUE(error_of("{{ 3 ** 64 }}"));
}

TEST(ChatOperators, UndefinedFailsInArithmeticButNotInOutputOrConcat) {
  EXPECT_EQ(render("[{{ nope }}]"), "[]");
  EXPECT_EQ(render("{{ nope ~ 'x' }}"), "x");
  EXPECT_EQ(render("{{ nope == nope }} {{ nope == none }} {{ 1 in nope }}"), "True False False");
  EXPECT_EQ(error_of("{{ nope + 1 }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ nope.attr }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ nope['k'] }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ nope() }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ nope < 1 }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ {'a': 1}.b.c }}")->message(), "'dict object' has no attribute 'b'");
  EXPECT_EQ(render("{{ {'a': 1}.b }}|{{ [1][5] }}|{{ none.x }}"), "||");
}

TEST(ChatOperators, ComparisonsAndMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ true == 1 }} {{ (1,) == [1] }} {{ [1, [2]] == [1, [2]] }} {{ {'a': 1, 'b': 2} == "
                   "{'b': 2, 'a': 1} }}"),
            "True True False True True");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ [1, 2] < [1, 3] }} {{ [1] < [1, 0] }} {{ 'B' < 'a' }} "
                   "{{ [none] <= [none] }}"),
            "True False True True True True");
  EXPECT_EQ(render("{{ 'bc' in 'abc' }} {{ 2 in (1, 2) }} {{ 'k' in {'k': 0} }} {{ 1 in {'1': 0} }} {{ 'x' not in "
                   "[] }}"),
            "True True True False True");
  EXPECT_EQ(error_of("{{ [1] in {} }}")->message(), "unhashable type: 'list'");
}

TEST(ChatOperators, LogicalOperatorsReturnOperands) {
  EXPECT_EQ(render("{{ 0 or 'y' }} {{ 'x' and 0 }} {{ '' or [] }} {{ none and nope.x }} {{ 1 or nope.x }}"),
            "y 0 [] None 1");
}

TEST(ChatOperators, StringAndListRepetitionAndConcatenation) {
  EXPECT_EQ(render("{{ 'ab' * 3 }} {{ 2 * 'c' }} {{ 'x' * 0 }}|{{ [1, 2] * 2 }} {{ (1,) * 2 }} {{ [1] + [2] }}"),
            "ababab cc |[1, 2, 1, 2] (1, 1) [1, 2]");
  EXPECT_EQ(render("{{ s + '!' }}", context_with("s", testing::untrusted("hé"))), "hé!");
}

TEST(ChatOperators, PercentFormatting) {
  EXPECT_EQ(
      render(
          "{{ '%s is %d years, %.2f%%' % ('Ann', 30.7, 2.5) }}|{{ '%5s|%-5s|%05d|%x|%+d' % ('a', 'b', 42, 255, 3) }}"),
      "Ann is 30 years, 2.50%|    a|b    |00042|ff|+3");
  EXPECT_EQ(
      render(
          "{{ '%(name)s=%(v)r' % {'name': 'k', 'v': 'x'} }} {{ '%s' % [1] }} {{ '' % {'a': 1} }}|{{ '%.1s' % 'abc' }}"),
      "k='x' [1] |a");
  EXPECT_EQ(error_of("{{ '%s %s' % ('a',) }}")->message(), "not enough arguments for format string");
  EXPECT_EQ(error_of("{{ '' % 5 }}")->message(), "not all arguments converted during string formatting");
  EXPECT_EQ(error_of("{{ '%d' % 'x' }}")->message(), "%d format: a real number is required, not str");
  EXPECT_EQ(error_of("{{ '%e' % 1 }}")->message(), "unsupported format character 'e'");
}

TEST(ChatOperators, DirectApiMatchesPythonForEdgeValues) {
  EXPECT_TRUE(compare_values(ast::compare_op::eq, value::floating(2.0), value::integer(2)));
  EXPECT_FALSE(compare_values(ast::compare_op::eq, value::none(), value()));
  EXPECT_TRUE(compare_values(ast::compare_op::eq, value(), value()));
  EXPECT_TRUE(less_than(value::boolean(false), value::floating(0.5)));
  EXPECT_TRUE(contains(value::trusted_string("abc"), value::trusted_string("")));
}

}  // namespace
}  // namespace moeserve::model::jinja
