// Filters: jinja2's semantics, including how they treat undefined values and the argument
// errors they raise.
#include "model/chat/filters.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::context_with;
using testing::error_of;
using testing::render;

dict_data people() {
  auto person = [](std::string name, std::int64_t age, bool admin) {
    dict_data d;
    d.set("name", value::trusted_string(std::move(name)));
    d.set("age", value::integer(age));
    d.set("admin", value::boolean(admin));
    return value::dict(std::move(d));
  };
  return context_with("people",
                      value::list({person("bob", 30, false), person("Al", 25, true), person("cy", 30, true)}));
}

TEST(ChatFilters, StringFilters) {
  EXPECT_EQ(render("{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ '\u3000 y\u00a0'|trim }}"), "x|hi|y");
  EXPECT_EQ(
      render("{{ 'hello wORLD'|capitalize }} {{ 'hello wORLD-x (y)'|title }} {{ 'Straße'|upper }} {{ 'ÀÉÎ'|lower }}"),
      "Hello world Hello World-X (Y) STRASSE àéî");
  EXPECT_EQ(render("{{ 'ΟΔΟΣ ΣΑΣ'|lower }} {{ 'a-b-a'|replace('a', 'x') }} {{ 'aaa'|replace('a', 'b', 2) }} "
                   "{{ 'ab'|replace('', '.') }}"),
            "οδος σας x-b-x bba .a.b.");
  EXPECT_EQ(render("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent(1, true) }}|{{ 'a\n\nb'|indent('>', blank=true) }}"),
            "a\n  b\n\n  c| a\n b|a\n>\n>b");
  EXPECT_EQ(render("{{ '<a href=\"x\">&\\'</a>'|escape }} {{ 'one two, three_4!'|wordcount }} {{ 'x'|center(5) }}|"),
            "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; 3   x  |");
  EXPECT_EQ(render("{{ none|string }} {{ 1|string ~ 2 }} {{ nope|string }}|{{ nope|upper }}|{{ '<b>'|safe }}"),
            "None 12 ||<b>");
}

TEST(ChatFilters, DefaultAndLength) {
  EXPECT_EQ(render("{{ nope|default('d') }} {{ nope|d }}|{{ ''|default('e') }}|{{ ''|default('e', true) }} "
                   "{{ none|default('n') }} {{ 0|d(7, boolean=true) }}"),
            "d ||e None 7");
  EXPECT_EQ(render("{{ 'héllo'|length }} {{ [1, 2]|length }} {{ {'a': 1}|count }} {{ nope|length }}"), "5 2 1 0");
  EXPECT_EQ(error_of("{{ 5|length }}")->message(), "object of type 'int' has no len()");
}

TEST(ChatFilters, SequenceFilters) {
  EXPECT_EQ(render("{{ [3, 1, 2]|first }} {{ [3, 1, 2]|last }} {{ 'héllo'|first }} {{ 'héllo'|last }} {{ []|first }}|"),
            "3 2 h o |");
  EXPECT_EQ(render("{{ ['b', 'A', 'a', 'c']|sort }} {{ ['b', 'A', 'a']|sort(case_sensitive=true) }} "
                   "{{ [1, 3, 2]|sort(reverse=true) }}"),
            "['A', 'a', 'b', 'c'] ['A', 'a', 'b'] [3, 2, 1]");
  EXPECT_EQ(render("{{ ['a', 'A', 'b', 'a']|unique|list }} {{ [1, 2, 1]|unique|list }} {{ [1, 2]|reverse|list }} "
                   "{{ 'abc'|reverse }} {{ 'ab'|list }} {{ {'k': 1}|list }}"),
            "['a', 'b'] [1, 2] [2, 1] cba ['a', 'b'] ['k']");
  EXPECT_EQ(render("{{ ['b', 'A']|min }} {{ ['b', 'A']|max }} {{ [1, 3, 2]|max }} {{ []|max }}|{{ [1, 2.5]|sum }} "
                   "{{ [[1], [2]]|sum(start=[]) }}"),
            "A b 3 |3.5 [1, 2]");
  EXPECT_EQ(render("{{ [1, none, 'x']|join('-') }} {{ [1, 2]|join }} {{ {'b': 1, 'A': 2}|dictsort }} "
                   "{{ {'x': 2, 'y': 1}|dictsort(by='value') }} {{ {'a': 1}|items|list }} {{ nope|items|list }}"),
            "1-None-x 12 [('A', 2), ('b', 1)] [('y', 1), ('x', 2)] [('a', 1)] []");
  EXPECT_EQ(error_of("{{ [1]|items|list }}")->message(), "Can only get item pairs from a mapping.");
  EXPECT_EQ(error_of("{{ [1, 'a']|sort }}")->message(), "'<' not supported between instances of 'str' and 'int'");
}

TEST(ChatFilters, AttributeFilters) {
  const auto ctx = people();
  EXPECT_EQ(render("{{ people|selectattr('admin')|map(attribute='name')|join(',') }}", ctx), "Al,cy");
  EXPECT_EQ(render("{{ people|rejectattr('age', 'equalto', 30)|map(attribute='name')|list }}", ctx), "['Al']");
  EXPECT_EQ(render("{{ people|selectattr('name', 'in', ['bob', 'cy'])|list|length }}", ctx), "2");
  EXPECT_EQ(render("{{ people|sort(attribute='age')|map(attribute='name')|join }}", ctx), "Albobcy");
  EXPECT_EQ(render("{{ people|sort(attribute='age,name')|map(attribute='name')|join }}", ctx), "Albobcy");
  EXPECT_EQ(render("{{ people|map(attribute='nope', default='?')|join }} {{ people|max(attribute='age') }}", ctx),
            "??? {'name': 'bob', 'age': 30, 'admin': False}");
  EXPECT_EQ(render("{{ people|join(', ', attribute='name') }} {{ people|sum(attribute='age') }}", ctx),
            "bob, Al, cy 85");
  EXPECT_EQ(render("{{ [[1, 2], [3]]|map(attribute='0')|list }} {{ ['a', 'b']|map('upper')|list }} "
                   "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [0, 1, '']|select|list }} {{ [0, 1]|reject|list }}"),
            "[1, 3] ['A', 'B'] [1, 3] [1] [0]");
  EXPECT_EQ(render("{{ {'role': 'r'}|attr('role') }}|{{ {'role': 'r'}|attr('items') is callable }}"), "|True");
  EXPECT_EQ(error_of("{{ [1]|map('nosuch')|list }}")->message(), "No filter named 'nosuch'.");
}

TEST(ChatFilters, QuirksFoundByTheDifferentialTest) {
  // select, reject and map do not iterate a false value; sort compares keys as lists, so
  // that equal (even undefined) keys are never ordered.
  EXPECT_EQ(render("{{ 0|selectattr('x')|list }} {{ false|map('string')|list }} {{ none|reject|list }}"), "[] [] []");
  EXPECT_EQ(render("{{ ['b', 'A', 'c']|sort(attribute='role')|list }}"), "['b', 'A', 'c']");
  EXPECT_EQ(render("{{ 'abcde'|batch(2)|list }} {{ [1, 2, 3]|batch(2, 0)|list }} {{ []|batch(3)|list }}"),
            "[['a', 'b'], ['c', 'd'], ['e']] [[1, 2], [3, 0]] []");
  EXPECT_EQ(render("{{ false|center(7) }}|{{ 5|center(3) }}"), " False | 5 ");
}

TEST(ChatFilters, NumberFilters) {
  EXPECT_EQ(render("{{ '42'|int }} {{ ' 7 '|int }} {{ '3.9'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.99|int }} "
                   "{{ '0x1F'|int(0, 16) }} {{ 'ff'|int(base=16) }} {{ '1_000'|int }} {{ none|int }} {{ true|int }}"),
            "42 7 3 0 -1 3 31 255 1000 0 1");
  EXPECT_EQ(render("{{ '2.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ '-inf'|float }} {{ ' 1e3 '|float }}"),
            "2.5 0.0 3.0 -inf 1000.0");
  EXPECT_EQ(render("{{ -3|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 1234.5|round(-2) }} "
                   "{{ 2.1|round(0, 'ceil') }} {{ 2.19|round(1, 'floor') }} {{ 7|round }}"),
            "3 2.0 4.0 2.67 1200.0 3.0 2.1 7");
  EXPECT_EQ(error_of("{{ nope|int }}")->message(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ 1.5|round(0, 'up') }}")->message(), "method must be common, ceil or floor");
}

TEST(ChatFilters, ToJsonIsTransformersVersion) {
  EXPECT_EQ(render("{{ {'a': [1, 2.5, none, true], 'b': 'é\"\\n'}|tojson }}"),
            R"({"a": [1, 2.5, null, true], "b": "é\"\n"})");
  EXPECT_EQ(render("{{ {'a': [1], 'b': {}}|tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true, separators=(',', ':')) }}"), R"({"a":2,"b":1})");
  EXPECT_EQ(render("{{ 'é😀'|tojson(ensure_ascii=true) }}"), R"("\u00e9\ud83d\ude00")");
  EXPECT_EQ(error_of("{{ nope|tojson }}")->message(), "Object of type Undefined is not JSON serializable");
}

TEST(ChatFilters, ArgumentErrors) {
  EXPECT_EQ(error_of("{{ 'x'|trim(1, 2) }}")->message(), "trim() takes at most 1 argument(s) (2 given)");
  EXPECT_EQ(error_of("{{ 'x'|replace('a', 'b', zz=1) }}")->message(),
            "replace() got an unexpected keyword argument 'zz'");
  EXPECT_EQ(find_filter("no_such_filter"), nullptr);
  EXPECT_NE(find_filter("tojson"), nullptr);
}

}  // namespace
}  // namespace moeserve::model::jinja
