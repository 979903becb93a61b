// The lexer: tokens, jinja2's whitespace rules under trim_blocks/lstrip_blocks, raw
// blocks, comments, string escapes, number literals, and syntax errors with positions.
#include "model/chat/lexer.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::error_of;
using testing::render;

std::vector<token> lex(std::string_view text) {
  const source_map map{std::string(text)};
  return tokenize(map.source(), map);
}

TEST(ChatLexer, SplitsDataTagsAndOperators) {
  const auto tokens = lex("a{{ x|f(1, 'y') }}b{% if z >= 2 %}");
  std::vector<token_kind> kinds;
  for (const auto& t : tokens) kinds.push_back(t.kind);
  const std::vector<token_kind> expected = {token_kind::data,         token_kind::variable_begin,
                                            token_kind::name,         token_kind::op,
                                            token_kind::name,         token_kind::op,
                                            token_kind::integer,      token_kind::op,
                                            token_kind::string,       token_kind::op,
                                            token_kind::variable_end, token_kind::data,
                                            token_kind::block_begin,  token_kind::name,
                                            token_kind::name,         token_kind::op,
                                            token_kind::integer,      token_kind::block_end,
                                            token_kind::end_of_input};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(tokens[8].text, "y");
  EXPECT_EQ(tokens[15].text, ">=");
  EXPECT_EQ(tokens[12].offset, 19u);
}

TEST(ChatLexer, NumberLiterals) {
  EXPECT_EQ(render("{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 1e3 }} {{ 2.5E-3 }} {{ 1_0.5 }}"),
            "31 15 5 1000 1000.0 0.0025 10.5");
  EXPECT_EQ(render("{{ [10, 20].1 }}"), "20");  // attribute-style index: no float "1." after a dot
  ASSERT_TRUE(error_of("{{ 99999999999999999999 }}"));
}

TEST(ChatLexer, StringEscapesAreDecodedAsPython) {
  EXPECT_EQ(render(R"({{ "t\tn\nq\'\"b\\x\x41u\u00e9o\101" }})"), "t\tn\nq'\"b\\xAuéoA");
  EXPECT_EQ(render(R"({{ '\d stays' }})"), "\\d stays");
  EXPECT_EQ(render("{{ 'a' \"b\" 'c' }}"), "abc");  // adjacent literals concatenate
  EXPECT_EQ(render("{{ 'multi\nline' }}"), "multi\nline");
}

TEST(ChatLexer, TrimBlocksRemovesOneNewlineAfterBlockAndComment) {
  EXPECT_EQ(render("{% if true %}\nx\n{% endif %}\ny"), "x\ny");
  EXPECT_EQ(render("{# c #}\nz"), "z");
  EXPECT_EQ(render("{% if true %}\n\nx{% endif %}"), "\nx");  // only one
  EXPECT_EQ(render("{{ 1 }}\n2"), "1\n2");                    // not after variables
  EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");   // "+%}" keeps it
}

TEST(ChatLexer, LstripBlocksRemovesIndentationBeforeBlockTags) {
  EXPECT_EQ(render("a\n    {% if true %}b{% endif %}"), "a\nb");
  EXPECT_EQ(render("a\n \t {# c #}b"), "a\nb");
  EXPECT_EQ(render("a\n  {{ 'v' }}"), "a\n  v");                    // never before {{
  EXPECT_EQ(render("a\n x {% if true %}b{% endif %}"), "a\n x b");  // text before the tag
  EXPECT_EQ(render("a\n  {%+ if true %}b{% endif %}"), "a\n  b");   // "{%+" keeps it
  EXPECT_EQ(render("  {% if true %}b{% endif %}"), "b");            // at the start of the template
}

TEST(ChatLexer, MinusMarkersStripAllWhitespace) {
  EXPECT_EQ(render("a \n\t {%- if true -%} \n b {%- endif %}"), "ab");
  EXPECT_EQ(render("x  {{- 'y' -}}  \n z"), "xyz");
  EXPECT_EQ(render("p \n {#- c -#} \n q"), "pq");
}

TEST(ChatLexer, NewlinesAreNormalizedAndOneTrailingNewlineDropped) {
  EXPECT_EQ(render("a\r\nb\rc\n"), "a\nb\nc");
  EXPECT_EQ(render("a\n\n"), "a\n");
  EXPECT_EQ(render("{{ 'x\r\ny' }}"), "x\ny");
}

TEST(ChatLexer, RawBlocksAreText) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}");
  EXPECT_EQ(render("{% raw %}\nkept{% endraw %}\ntrimmed"), "\nkepttrimmed");
  EXPECT_EQ(render("{%- raw -%}  a  {%- endraw %}"), "a");
}

TEST(ChatLexer, UnicodeWhitespaceCountsForMinusAndLstrip) {
  EXPECT_EQ(render("a\u3000 {%- if true %}b{% endif %}"), "ab");
  EXPECT_EQ(render("a\n\u00a0{% if true %}b{% endif %}"), "a\nb");
}

TEST(ChatLexer, ErrorsCarryLineAndColumn) {
  auto e = error_of("line1\nab {# never closed");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
  EXPECT_EQ(e->line(), 2u);
  EXPECT_NE(std::string(e->what()).find("comment"), std::string::npos);

  e = error_of("x\n\n  {{ a $ b }}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->line(), 3u);
  EXPECT_EQ(e->column(), 8u);

  e = error_of("é{{ (1] }}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->column(), 7u);  // columns count code points
  EXPECT_NE(std::string(e->what()).find("unexpected ']'"), std::string::npos);

  e = error_of("{% if x");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message().find("not closed"), std::string::npos);

  e = error_of("{{ 'unterminated }}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "unexpected end of string");

  e = error_of("{% raw %}no end");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message(), "Missing end of raw directive");
}

TEST(ChatLexer, InvalidUtf8TemplateIsRefused) {
  auto e = error_of(std::string("ok\xff"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_kind(), template_error::kind::syntax);
}

}  // namespace
}  // namespace moeserve::model::jinja
