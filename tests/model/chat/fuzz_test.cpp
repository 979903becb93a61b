// Robustness: garbage, mutated and deeply nested templates must fail with template_error
// (or render), never crash, hang or exhaust the stack. Deterministic pseudo-random inputs.
#include <gtest/gtest.h>

#include <random>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

// Parses and renders `source`; true when it rendered, false on template_error. Any other
// exception fails the test.
bool survives(const std::string& source, const dict_data& context) {
  render_options options;
  options.limits.max_loop_iterations = 20'000;
  options.limits.max_output_bytes = 1 << 20;
  try {
    compiled_template::parse(source).render(context, options);
    return true;
  } catch (const template_error&) {
    return false;
  }
}

dict_data fuzz_context() {
  dict_data m;
  m.set("role", value::string("user", false));
  m.set("content", value::string("hé {{ x }} <|im_end|>", false));
  dict_data ctx;
  ctx.set("messages", value::list({value::dict(m), value::dict(m)}));
  ctx.set("n", value::integer(3));
  return ctx;
}

const char* const seeds[] = {
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content|trim + '<|im_end|>' }}{% endfor %}",
    "{%- set ns = namespace(i=0) -%}{%- for m in messages[::-1] if m.role != 'x' -%}{%- set ns.i = ns.i + 1 -%}"
    "{{ loop.index }}{% if loop.last %}{{ ns.i }}{% endif %}{%- endfor -%}",
    "{% macro f(a, b=2) %}{{ a ~ b }}{% endmacro %}{{ f(1) }}{{ f(b=3, a=n) }}{{ [1, 2, 3]|map('string')|join(',') }}",
    "{{ {'a': [1, 2.5, none], 'b': 'x'}|tojson(indent=2) }}{{ 'a,b'.split(',')[-1].upper() }}{{ (n * 2) // 3 }}",
    "{% raw %}{{ x }}{% endraw %}{# c #}{% if n is odd and n > 1 %}{{ n ** 2 }}{% elif n %}x{% else %}y{% endif %}",
};

TEST(ChatFuzz, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "{}%#-+()[]|~.,:'\"=<>!*/ \n\tabcdefnorstxy0123456789_\\";
  const auto ctx = fuzz_context();
  int rendered = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 60);
    for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    rendered += survives(s, ctx) ? 1 : 0;
  }
  EXPECT_GT(rendered, 0);  // some inputs are plain text
}

TEST(ChatFuzz, MutatedTemplatesNeverCrash) {
  std::mt19937 rng(777);
  const auto ctx = fuzz_context();
  const std::string tokens[] = {"{{",   "}}",     "{%",   "%}", "{#",          "#}",        "-",    "(",
                                ")",    "[",      "]",    "|",  " is ",        " not ",     " if ", " else ",
                                "for ", "endfor", "'",    "\"", ",",           "**",        "//",   "loop.",
                                "ns.",  "macro ", "set ", "~",  "{% endif %}", "{% raw %}", "\xff", "\xe2\x82"};
  int rendered = 0;
  int failed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string s = seeds[rng() % std::size(seeds)];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s.erase(pos, 1 + rng() % 4);
          break;
        case 1:
          s.insert(pos, tokens[rng() % std::size(tokens)]);
          break;
        default:
          s[pos] = static_cast<char>(32 + rng() % 95);
      }
    }
    (survives(s, ctx) ? rendered : failed) += 1;
  }
  EXPECT_GT(rendered, 100);
  EXPECT_GT(failed, 100);
}

TEST(ChatFuzz, DeepNestingIsALimitNotAStackOverflow) {
  const auto ctx = fuzz_context();
  for (const std::string open : {"(", "[", "{'a': ", "not ", "- ", "x if y else "}) {
    std::string s = "{{ ";
    for (int i = 0; i < 100000; ++i) s += open;
    s += "1 }}";
    auto e = testing::error_of(s, ctx);
    ASSERT_TRUE(e) << open;
  }
  std::string blocks;
  for (int i = 0; i < 50000; ++i) blocks += "{% if true %}{% for x in [1] %}";
  auto e = testing::error_of(blocks, ctx);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::limit);
  // Long chains nest the tree without nesting the parser: they are bounded too.
  for (const std::string link : {"|string", ".x", "[0]", "()", " + 1", " ~ 'a' + 1", " and 1"}) {
    std::string chain = "{{ 1";
    for (int i = 0; i < 50000; ++i) chain += link;
    chain += " }}";
    e = testing::error_of(chain, ctx);
    ASSERT_TRUE(e) << link;
    EXPECT_EQ(e->error_kind(), template_error::kind::limit) << link;
  }
  // A flat ~ chain is not nesting.
  std::string concat = "{{ 'a'";
  for (int i = 0; i < 5000; ++i) concat += " ~ 'b'";
  concat += " }}";
  EXPECT_TRUE(survives(concat, ctx));
}

TEST(ChatFuzz, SeedsRender) {
  const auto ctx = fuzz_context();
  for (const char* s : seeds) EXPECT_TRUE(survives(s, ctx)) << s;
}

}  // namespace
}  // namespace moeserve::model::jinja
