// Methods of strings, dicts and lists, and the mutating ones that the immutable sandbox
// refuses.
#include "model/chat/methods.hpp"

#include <gtest/gtest.h>

#include "chat_test_support.hpp"

namespace moeserve::model::jinja {
namespace {

using testing::error_of;
using testing::render;

TEST(ChatMethods, StripFamily) {
  EXPECT_EQ(render("[{{ '  a  '.strip() }}][{{ '  a '.lstrip() }}][{{ ' a  '.rstrip() }}][{{ 'xyaxy'.strip('yx') }}]"
                   "[{{ '\n\nt\n'.lstrip('\n') }}][{{ '\u2003x\u3000'.strip() }}]"),
            "[a][a ][ a][a][t\n][x]");
}

TEST(ChatMethods, SplitFamily) {
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} "
                   "{{ 'a,b,c'.rsplit(',', 1) }} {{ ' a b  '.split(none, 1) }} {{ ''.split(',') }} {{ ''.split() }}"),
            "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a,b', 'c'] ['a', 'b  '] [''] []");
  EXPECT_EQ(render("{{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'l1\nl2\r\nl3'.splitlines() }} "
                   "{{ 'a\nb\n'.splitlines(true) }}"),
            "z ['l1', 'l2', 'l3'] ['a\\n', 'b\\n']");
  EXPECT_EQ(error_of("{{ 'a'.split('') }}")->message(), "empty separator");
}

TEST(ChatMethods, SearchAndCase) {
  EXPECT_EQ(
      render("{{ 'hello'.startswith('he') }} {{ 'hello'.startswith(('x', 'hel')) }} {{ 'hello'.endswith('lo') }}"
             " {{ 'héllo'.find('l') }} {{ 'héllo'.rfind('l') }} {{ 'abc'.find('z') }} {{ 'banana'.count('an') }}"),
      "True True True 2 3 -1 2");
  EXPECT_EQ(render("{{ 'Hi there'.upper() }} {{ 'Hi There'.lower() }} {{ \"they're 2nd\".title() }} "
                   "{{ 'hELLO'.capitalize() }} {{ 'aXa'.replace('a', 'b') }}"),
            "HI THERE hi there They'Re 2Nd Hello bXb");
  EXPECT_EQ(render("{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'AB1'.isupper() }} "
                   "{{ 'ab'.islower() }} {{ ''.isdigit() }}"),
            "True True True True True False");
  EXPECT_EQ(error_of("{{ 'abc'.index('z') }}")->message(), "substring not found");
  EXPECT_EQ(error_of("{{ 'abc'.startswith(1) }}")->message(),
            "startswith first arg must be str or a tuple of str, not int");
}

TEST(ChatMethods, JoinPadAndFormat) {
  EXPECT_EQ(render("{{ ', '.join(['a', 'b']) }} {{ '-'.join('xyz') }} [{{ 'ab'.center(6, '*') }}] [{{ 'a'.ljust(3) }}]"
                   " [{{ 'a'.rjust(3, '.') }}]"),
            "a, b x-y-z [**ab**] [a  ] [..a]");
  EXPECT_EQ(render("{{ '{} + {} = {}'.format(1, 2.0, none) }} {{ '{1}{0}'.format('a', 'b') }} "
                   "{{ '{k}: {v!r}'.format(k='key', v='val') }} {{ '{{x}}'.format() }}"),
            "1 + 2.0 = None ba key: 'val' {x}");
  EXPECT_EQ(error_of("{{ ', '.join([1]) }}")->message(), "sequence item 0: expected str instance, int found");
  EXPECT_TRUE(error_of("{{ '{:>5}'.format(1) }}"));
}

TEST(ChatMethods, DictAndListMethods) {
  EXPECT_EQ(render("{% set d = {'a': 1, 'b': [2]} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} "
                   "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }}"
                   "{% for k, v in d.items() %} {{ k }}={{ v }}{% endfor %}"),
            "1 None 0 ['a', 'b'] [1, [2]] [('a', 1), ('b', [2])] a=1 b=[2]");
  EXPECT_EQ(render("{{ [1, 2, 1].count(1) }} {{ ['x', 'y'].index('y') }} {{ (1, 2).index(2) }}"), "2 1 1");
  EXPECT_EQ(render("{{ {'items': 5}.items is callable }} {{ {'items': 5}['items'] }}"), "True 5");
}

TEST(ChatMethods, MutatingMethodsAreRefused) {
  EXPECT_EQ(error_of("{{ [1].append(2) }}")->message(), "access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(error_of("{% set d = {} %}{{ d.update({'a': 1}) }}")->message(),
            "access to attribute 'update' of 'dict' object is unsafe.");
  EXPECT_EQ(error_of("{{ [1].pop() }}")->message(), "access to attribute 'pop' of 'list' object is unsafe.");
  EXPECT_EQ(render("[{{ [1].append }}]"), "[]");  // reading one is an undefined value
  EXPECT_EQ(render("[{{ 'x'.__class__ }}]"), "[]");
  EXPECT_FALSE(find_method(value::trusted_string("x"), "encode"));
  EXPECT_TRUE(find_method(value::list({}), "count"));
}

}  // namespace
}  // namespace moeserve::model::jinja
