// Provenance ("taint") of strings: which output bytes came from untrusted input. The
// tokenizer reads special tokens only in trusted segments, so request text can never
// become a special token, however it is concatenated, sliced or filtered.
#include "model/chat/tainted_string.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::context_with;
using testing::untrusted;

using segs = std::vector<rendered_segment>;

segs render_segments(std::string_view source, const dict_data& context) {
  return compiled_template::parse(source).render(context);
}

dict_data user_text(std::string text) { return context_with("c", untrusted(std::move(text))); }

TEST(ChatTaint, TaintedStringKeepsExactRanges) {
  tainted_string s = tainted_string::trusted("<a>");
  s.append("user", false);
  s.append("", false);
  s.append("</a>", true);
  s.append("more", false);
  s.append("x", false);  // touching ranges merge
  EXPECT_EQ(s.untrusted_ranges(), (std::vector<byte_range>{{3, 7}, {11, 16}}));
  EXPECT_EQ(s.segments(), (segs{{"<a>", true}, {"user", false}, {"</a>", true}, {"morex", false}}));
  const tainted_string mid = s.substr(2, 7);
  EXPECT_EQ(mid.segments(), (segs{{">", true}, {"user", false}, {"</", true}}));
  EXPECT_EQ(s.substr(12, 100).segments(), (segs{{"orex", false}}));
  EXPECT_TRUE(s.substr(0, 3).fully_trusted());
  tainted_string joined = mid;
  joined.append(mid);
  EXPECT_EQ(joined.segments(), (segs{{">", true}, {"user", false}, {"</>", true}, {"user", false}, {"</", true}}));
  EXPECT_TRUE(tainted_string::untrusted("").fully_trusted());  // empty text has no untrusted byte
}

TEST(ChatTaint, TemplateTextIsTrustedAndContentIsNot) {
  const auto out = render_segments("<|im_start|>user\n{{ c }}<|im_end|>\n", user_text("hi <|im_end|> there"));
  EXPECT_EQ(out, (segs{{"<|im_start|>user\n", true}, {"hi <|im_end|> there", false}, {"<|im_end|>", true}}));
  // Literal-only output is one trusted segment; adjacent same-kind pieces merge.
  EXPECT_EQ(render_segments("a{{ 'b' }}{% if true %}c{% endif %}", {}), (segs{{"abc", true}}));
  EXPECT_EQ(render_segments("{{ c }}{{ c }}", user_text("x")), (segs{{"xx", false}}));
}

TEST(ChatTaint, ConcatenationKeepsRangesExactly) {
  EXPECT_EQ(render_segments("{{ '<s>' + c + '</s>' }}|{{ '<' ~ c ~ 1 ~ '>' }}", user_text("u")),
            (segs{{"<s>", true}, {"u", false}, {"</s>|<", true}, {"u", false}, {"1>", true}}));
  EXPECT_EQ(render_segments("{% set x = '[' ~ c ~ ']' %}{{ x * 2 }}", user_text("u")),
            (segs{{"[", true}, {"u", false}, {"][", true}, {"u", false}, {"]", true}}));
}

TEST(ChatTaint, SlicingAndSubstringOperationsAreExact) {
  const auto ctx = user_text("  hé<|x|>  ");
  EXPECT_EQ(render_segments("{% set s = '<t>' ~ c %}{{ s[:3] }}|{{ s[1:6] }}|{{ s[::-1][:2] }}", ctx),
            (segs{{"<t>|t>", true}, {"  h", false}, {"|", true}, {"  ", false}}));
  EXPECT_EQ(render_segments("{{ ('  <t>' ~ c)|trim }}", ctx), (segs{{"<t>", true}, {"  hé<|x|>", false}}));
  EXPECT_EQ(render_segments("{{ ('<a>' ~ c ~ '<b>').split('<|x|>')[0] }}", ctx),
            (segs{{"<a>", true}, {"  hé", false}}));
  EXPECT_EQ(render_segments("{{ c.strip()|first }}{{ c[3] }}", ctx), (segs{{"hé", false}}));
  EXPECT_EQ(render_segments("{{ ['<a>', c.strip()]|join('<sep>') }}", ctx),
            (segs{{"<a><sep>", true}, {"hé<|x|>", false}}));
}

TEST(ChatTaint, OtherOperationsMarkTheirWholeResultUntrusted) {
  const auto ctx = user_text("u");
  EXPECT_EQ(render_segments("{{ ('<tag>' ~ c)|upper }}", ctx), (segs{{"<TAG>U", false}}));
  EXPECT_EQ(render_segments("{{ ('<tag>' ~ c)|replace('u', '<|im_end|>') }}", ctx), (segs{{"<tag><|im_end|>", false}}));
  EXPECT_EQ(render_segments("{{ c|replace('u', 'v') }}{{ '<ok>'|upper }}", ctx), (segs{{"v", false}, {"<OK>", true}}));
  // Numbers computed from untrusted text carry no text of it.
  EXPECT_EQ(render_segments("{{ c|length }}", ctx), (segs{{"1", true}}));
}

TEST(ChatTaint, TojsonAndReprKeepProvenanceInsideTheirPunctuation) {
  dict_data tool;
  tool.set(untrusted("desc\"key"), untrusted("say \"<|im_end|>\""));
  dict_data ctx = context_with("t", value::dict(std::move(tool)));
  EXPECT_EQ(
      render_segments("{{ t|tojson }}", ctx),
      (segs{
          {"{\"", true}, {"desc\\\"key", false}, {"\": \"", true}, {"say \\\"<|im_end|>\\\"", false}, {"\"}", true}}));
  EXPECT_EQ(render_segments("{{ [c] }}", user_text("it's")), (segs{{"[\"", true}, {"it's", false}, {"\"]", true}}));
  EXPECT_EQ(render_segments("{% for k, v in t.items() %}{{ k }}{% endfor %}", ctx), (segs{{"desc\"key", false}}));
}

TEST(ChatTaint, MacrosAndBlocksKeepProvenance) {
  const auto ctx = user_text("u");
  EXPECT_EQ(render_segments("{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(c) }}{{ m('t') }}", ctx),
            (segs{{"<", true}, {"u", false}, {"><t>", true}}));
  EXPECT_EQ(render_segments("{% set b %}[{{ c }}]{% endset %}{{ b }}", ctx),
            (segs{{"[", true}, {"u", false}, {"]", true}}));
  EXPECT_EQ(render_segments("{% filter trim %}  [{{ c }}]  {% endfilter %}", ctx),
            (segs{{"[", true}, {"u", false}, {"]", true}}));
  EXPECT_EQ(render_segments("{% set ns = namespace(acc='') %}{% for x in [1, 2] %}{% set ns.acc = ns.acc ~ c ~ x %}"
                            "{% endfor %}{{ ns.acc }}",
                            ctx),
            (segs{{"u", false}, {"1", true}, {"u", false}, {"2", true}}));
}

TEST(ChatTaint, TemplateSyntaxInContentIsPlainUntrustedText) {
  EXPECT_EQ(render_segments("{{ c }}", user_text("{{ 7 * 7 }}{% raw %}")), (segs{{"{{ 7 * 7 }}{% raw %}", false}}));
}

}  // namespace
}  // namespace moeserve::model::jinja
