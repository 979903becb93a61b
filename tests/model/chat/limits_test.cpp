// The sandbox's limits: each is configurable, has a safe default, and fails with a
// template_error of kind `limit` at the position where it was exceeded.
#include "model/chat/template_limits.hpp"

#include <gtest/gtest.h>

#include "model/chat/eval_failure.hpp"

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::error_of;
using testing::render;

render_options with_limits(render_limits limits) {
  render_options o;
  o.limits = limits;
  return o;
}

void expect_limit(const std::optional<template_error>& e, std::string_view fragment, std::size_t line = 0) {
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::limit) << e->what();
  EXPECT_NE(e->message().find(fragment), std::string::npos) << e->what();
  if (line != 0) {
    EXPECT_EQ(e->line(), line);
  }
}

TEST(ChatLimits, DefaultsAreSafe) {
  const render_limits r;
  const parse_limits p;
  EXPECT_EQ(r.max_loop_iterations, 1'000'000u);
  EXPECT_EQ(r.max_call_depth, 32u);
  EXPECT_EQ(r.max_output_bytes, 32u << 20);
  EXPECT_EQ(p.max_template_bytes, 1u << 20);
  EXPECT_EQ(p.max_nesting_depth, 100u);
}

TEST(ChatLimits, LoopIterationsCountOverTheWholeRender) {
  render_limits l;
  l.max_loop_iterations = 100;
  EXPECT_EQ(render("{% for i in range(10) %}{% for j in range(9) %}{% endfor %}{% endfor %}ok", {}, with_limits(l)),
            "ok");
  expect_limit(
      error_of("{% for i in range(10) %}\n{% for j in range(10) %}{% endfor %}{% endfor %}", {}, with_limits(l)),
      "too many loop iterations", 2);
  expect_limit(error_of("{% for i in range(101) %}{% endfor %}", {}, with_limits(l)), "sequence too large");
  expect_limit(error_of("{{ [1] * 101 }}", {}, with_limits(l)), "sequence too large");
  // With the defaults, an endless-looking template still ends.
  expect_limit(error_of("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(2) %}{% endfor %}"
                        "{% endfor %}{% endfor %}"),
               "too many loop iterations");
  // jinja2's sandbox caps range() itself.
  EXPECT_EQ(error_of("{{ range(100001)|length }}")->error_kind(), template_error::kind::runtime);
}

TEST(ChatLimits, MacroCallDepth) {
  const std::string src = "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}\n{{ r(0) }}";
  expect_limit(error_of(src), "macro calls nested too deeply");
  render_limits l;
  l.max_call_depth = 3;
  EXPECT_EQ(render("{% macro r(n) %}{% if n < 3 %}{{ r(n + 1) }}{% endif %}{{ n }}{% endmacro %}{{ r(1) }}", {},
                   with_limits(l)),
            "321");
  expect_limit(
      error_of("{% macro r(n) %}{% if n < 4 %}{{ r(n + 1) }}{% endif %}{% endmacro %}{{ r(1) }}", {}, with_limits(l)),
      "nested too deeply");
}

TEST(ChatLimits, StackUse) {
  // The deepest template the other default limits allow: 32 macro calls, each 90 levels
  // deep. It renders within the default stack budget (or, where frames are larger, as
  // under AddressSanitizer, stops at it); it never overflows the thread's stack.
  std::string src = "{% macro m(n) %}{% if n > 0 %}{{ ";
  for (int i = 0; i < 90; ++i) src += "- ";
  src += "(m(n - 1)|length) }}{% endif %}{% endmacro %}{{ m(31) }}";
  const auto e = error_of(src);
  if (e) {
    EXPECT_EQ(e->error_kind(), template_error::kind::limit);
    EXPECT_NE(e->message().find("stack"), std::string::npos) << e->what();
  }
  render_limits l;
  l.max_stack_bytes = 16u << 10;
  expect_limit(error_of(src, {}, with_limits(l)), "too much stack");
}

TEST(ChatLimits, OutputAndStringSize) {
  render_limits l;
  l.max_output_bytes = 64;
  EXPECT_EQ(render("{{ 'x' * 64 }}", {}, with_limits(l)).size(), 64u);
  expect_limit(error_of("{% for i in range(100) %}abc{% endfor %}", {}, with_limits(l)), "output too large");
  expect_limit(error_of("{{ 'ab' * 33 }}", {}, with_limits(l)), "string too large");
  expect_limit(error_of("{% set s = 'x' * 40 %}{% set t = s ~ s %}", {}, with_limits(l)), "string too large");
  expect_limit(error_of("{% set s = 'x' * 40 %}{% set t = s + s %}", {}, with_limits(l)), "string too large");
  expect_limit(error_of("{{ ('y' * 40)|replace('y', 'yy') }}", {}, with_limits(l)), "string too large");
  expect_limit(error_of("{{ ['x' * 40, 'x' * 40]|join }}", {}, with_limits(l)), "string too large");
  expect_limit(error_of("{{ 'x' * 9223372036854775807 }}"), "string too large");
  // Output built inside a macro or a set block counts too.
  expect_limit(error_of("{% set b %}{% for i in range(30) %}abc{% endfor %}{% endset %}", {}, with_limits(l)),
               "output too large");
}

TEST(ChatLimits, IteratingAStringIsBoundedBeforeItsCharactersAreBuilt) {
  render_limits l;
  l.max_loop_iterations = 100;
  const dict_data ctx = testing::context_with("s", testing::untrusted(std::string(1000, 'x')));
  expect_limit(error_of("{% for c in s %}{% endfor %}", ctx, with_limits(l)), "too many loop iterations");
  expect_limit(error_of("{{ s|list|length }}", ctx, with_limits(l)), "sequence too large");
  expect_limit(error_of("{{ ''.join(s) }}", ctx, with_limits(l)), "sequence too large");
  EXPECT_EQ(render("{{ s|length }} {{ s|first }}", ctx, with_limits(l)), "1000 x");
}

TEST(ChatLimits, TojsonIndentationIsBounded) {
  render_limits l;
  l.max_output_bytes = 1000;
  EXPECT_EQ(render("{{ [[1]]|tojson(indent=3)|length }}", {}, with_limits(l)), "21");
  expect_limit(error_of("{{ [[[[1]]]]|tojson(indent=300) }}", {}, with_limits(l)), "tojson result too large");
  expect_limit(error_of("{{ ['x' * 600, 'y' * 600]|tojson }}", {}, with_limits(l)), "tojson result too large");
}

TEST(ChatLimits, TemplateSizeAndNesting) {
  parse_limits p;
  p.max_template_bytes = 10;
  expect_limit(error_of("{{ 'more than ten' }}", {}, {}, p), "template too large");
  p = {};
  p.max_nesting_depth = 20;
  std::string deep = "{{ " + std::string(30, '(') + "1" + std::string(30, ')') + " }}";
  expect_limit(error_of(deep, {}, {}, p), "nested too deeply");
  std::string blocks;
  for (int i = 0; i < 30; ++i) blocks += "{% if true %}";
  for (int i = 0; i < 30; ++i) blocks += "{% endif %}";
  expect_limit(error_of(blocks, {}, {}, p), "nested too deeply");
  // The defaults accept what real templates nest.
  std::string ten = "{{ " + std::string(10, '[') + "1" + std::string(10, ']') + " }}";
  EXPECT_EQ(render(ten), "[[[[[[[[[[1]]]]]]]]]]");
}

TEST(ChatLimits, DeeplyNestedDataFailsCleanly) {
  // Values cannot be built deeper than max_value_depth, by the caller or by a template.
  value v = value::integer(1);
  for (std::size_t i = 0; i < max_value_depth; ++i) v = value::list({v});
  EXPECT_THROW(value::list({v}), eval_failure);
  dict_data ctx = testing::context_with("v", v);
  EXPECT_EQ(render("{{ v|tojson|length }}", ctx), std::to_string(2 * max_value_depth + 1));
  EXPECT_EQ(render("{{ v == v }}", ctx), "True");
  auto e = error_of("{% set ns = namespace(l=[]) %}{% for i in range(600) %}{% set ns.l = [ns.l] %}{% endfor %}");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message().find("nested too deeply"), std::string::npos);
  // A namespace holding itself fails to print instead of running away.
  EXPECT_TRUE(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"));
}

}  // namespace
}  // namespace moeserve::model::jinja
