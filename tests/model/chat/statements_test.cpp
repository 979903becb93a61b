// Statements: if, for (loop variables, else, filters, break/continue, unpacking), set and
// its scoping, namespace(), macros, with, filter and set blocks, generation blocks.
#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::context_with;
using testing::error_of;
using testing::render;

TEST(ChatStatements, IfElifElse) {
  const char* src = "{% if n > 5 %}big{% elif n > 2 %}mid{% else %}small{% endif %}";
  EXPECT_EQ(render(src, context_with("n", value::integer(9))), "big");
  EXPECT_EQ(render(src, context_with("n", value::integer(3))), "mid");
  EXPECT_EQ(render(src, context_with("n", value::integer(0))), "small");
  EXPECT_EQ(render("{% if missing %}a{% endif %}b"), "b");
}

TEST(ChatStatements, LoopVariables) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }}|{% endfor %}"),
            "1032103|2121003|3210013|");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{{ loop.previtem|default('-') }}"
                   "{{ loop.nextitem|default('-') }} {% endfor %}"),
            "a-2 b13 a2- ");
  EXPECT_EQ(render("{% for x in [1] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}{{ loop is defined }}"), "10False");
}

TEST(ChatStatements, ForElseFilterAndUnpacking) {
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in none_here %}x{% else %}undefined is empty{% endfor %}"), "undefined is empty");
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"), "2/2 4/2 ");
  EXPECT_EQ(render("{% for a, b in [[1, 2], (3, 4)] %}{{ a * b }} {% endfor %}"), "2 12 ");
  EXPECT_EQ(render("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"), "xy");
  auto e = error_of("{% for a, b in [[1, 2, 3]] %}{% endfor %}");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message().find("too many values to unpack"), std::string::npos);
  e = error_of("{% for x in none %}{% endfor %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "'NoneType' object is not iterable");
  EXPECT_TRUE(error_of("{% for x in 5 %}{% endfor %}"));
}

TEST(ChatStatements, BreakAndContinue) {
  EXPECT_EQ(render("{% for i in range(10) %}{% if i is odd %}{% continue %}{% endif %}{% if i > 6 %}{% break %}"
                   "{% endif %}{{ i }}{% endfor %}"),
            "0246");
  EXPECT_EQ(render("{% for i in [1, 2] %}{% for j in [1, 2, 3] %}{% if j > i %}{% break %}{% endif %}{{ i }}{{ j }} "
                   "{% endfor %}{% endfor %}"),
            "11 21 22 ");
}

TEST(ChatStatements, SetInsideALoopLastsOneIteration) {
  // As jinja2: each iteration starts from the enclosing scope again.
  EXPECT_EQ(render("{% set y = 1 %}{% for x in [1, 2] %}{{ y }}{% set y = 2 %}{{ y }}{% endfor %}{{ y }}"), "12121");
  EXPECT_EQ(render("{% for x in [1, 2] %}{% if loop.first %}{% set z = 5 %}{% endif %}[{{ z }}]{% endfor %}"), "[5][]");
  // if blocks do not make a scope.
  EXPECT_EQ(render("{% if true %}{% set w = 3 %}{% endif %}{{ w }}"), "3");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
}

TEST(ChatStatements, NamespaceCarriesStateOutOfLoops) {
  EXPECT_EQ(render("{% set ns = namespace(n=0, seen=[]) %}{% for x in 'abc' %}{% set ns.n = ns.n + 1 %}"
                   "{% set ns.seen = ns.seen + [x] %}{% endfor %}{{ ns.n }} {{ ns.seen }} {{ ns.other }}|{{ ns }}"),
            "3 ['a', 'b', 'c'] |<Namespace {'n': 3, 'seen': ['a', 'b', 'c']}>");
  EXPECT_EQ(render("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a + ns.b }}"), "3");
  auto e = error_of("{% set d = {} %}\n{% set d.x = 1 %}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "cannot assign attribute on non-namespace object");
  EXPECT_EQ(e->line(), 2u);
}

TEST(ChatStatements, MacrosWithDefaultsKeywordsVarargsAndRecursion) {
  const std::string def = "{% macro g(name, greeting='Hello', p='!') %}{{ greeting }}, {{ name }}{{ p }}{% endmacro %}";
  EXPECT_EQ(render(def + "{{ g('Ann') }} {{ g('Bob', 'Hi') }} {{ g(p='?', name='Cy') }}"),
            "Hello, Ann! Hi, Bob! Hello, Cy?");
  EXPECT_EQ(render("{% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, k='x') }}"), "(1, 2){'k': 'x'}");
  EXPECT_EQ(
      render("{% macro f(n) %}{% if n <= 1 %}1{% else %}{{ n * f(n - 1)|int }}{% endif %}{% endmacro %}{{ f(5) }}"),
      "120");
  EXPECT_EQ(render("{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}"), "[]");  // missing argument: undefined
  EXPECT_EQ(error_of(def + "{{ g(1, 2, 3, 4) }}")->message(), "macro 'g' takes not more than 3 argument(s)");
  EXPECT_EQ(error_of(def + "{{ g(zz=1) }}")->message(), "macro 'g' takes no keyword argument 'zz'");
  EXPECT_EQ(error_of(def + "{{ g(1, name=2) }}")->message(), "macro 'g' got multiple values for argument 'name'");
}

TEST(ChatStatements, MacrosSeeTheirDefiningScopeWhenCalled) {
  EXPECT_EQ(render("{% macro m() %}{{ g }}{% endmacro %}{% set g = 1 %}{{ m() }}{% set g = 2 %}{{ m() }}"), "12");
  EXPECT_EQ(render("{% macro m() %}{{ x }}{% endmacro %}{% for x in [7] %}[{{ m() }}]{% endfor %}"), "[]");
  EXPECT_EQ(render("{% for x in [7] %}{% macro m() %}{{ x }}{% endmacro %}{{ m() }}{% endfor %}"), "7");
  EXPECT_EQ(render("{{ m }}{% macro m() %}x{% endmacro %}"), "");  // not yet defined
}

TEST(ChatStatements, WithFilterSetBlocksAndGeneration) {
  EXPECT_EQ(
      render("{% with a = 2, b = 3 %}{{ a * b }}{% set c = 1 %}{% endwith %}{{ a is defined }}{{ c is defined }}"),
      "6FalseFalse");
  EXPECT_EQ(render("{% filter upper|replace('A', '4') %}abc{{ 'a' }}{% endfilter %}"), "4BC4");
  EXPECT_EQ(render("{% set b %}  in {{ 1 + 1 }}  {% endset %}[{{ b }}]"), "[  in 2  ]");
  EXPECT_EQ(render("{% set b | trim | upper %}  x  {% endset %}[{{ b }}]"), "[X]");
  EXPECT_EQ(render("{% generation %}gen {{ 1 }}{% endgeneration %}"), "gen 1");
  EXPECT_EQ(render("{% print 'p', 1 %}{% print %}"), "p1");
}

TEST(ChatStatements, ContextVariablesShadowGlobalsAndSetShadowsContext) {
  dict_data ctx = context_with("range", value::integer(5));
  EXPECT_EQ(render("{{ range }}", ctx), "5");
  EXPECT_EQ(render("{{ x }}{% set x = 'local' %}{{ x }}", context_with("x", value::trusted_string("ctx"))), "ctxlocal");
}

}  // namespace
}  // namespace moeserve::model::jinja
