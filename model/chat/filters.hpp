#pragma once
// The filters of the chat-template language ({{ x | name(args) }}), with jinja2's
// semantics: abs, attr, batch, capitalize, center, count, d/default, dictsort, e/escape,
// first, float, forceescape, indent, int, items, join, last, length, list, lower, map,
// max, min, reject, rejectattr, replace, reverse, round, safe, select, selectattr, sort,
// string, sum, title, tojson (transformers' version, see json_dump.hpp), trim, unique,
// upper, wordcount. Filters that return generators in jinja2 (items, reverse, unique,
// map, select, ...) return lists here, which print as lists; e/escape and safe return
// plain strings (no Markup type).
//
// Provenance: trim, first, last, join, indent, escape and tojson keep it exactly; the
// others mark their string result untrusted as a whole when any input string was.
#include <string_view>

#include "model/chat/ast.hpp"

namespace moeserve::model::jinja {

// The filter of that name, or nullptr.
filter_fn find_filter(std::string_view name);

}  // namespace moeserve::model::jinja
