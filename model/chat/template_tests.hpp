#pragma once
// The tests of the chat-template language ({% if x is name(args) %}), with jinja2's
// semantics: boolean, callable, defined, divisibleby, eq/equalto/==, even, false, filter,
// float, ge/>=, gt/greaterthan/>, in, integer, iterable, le/<=, lower, lt/lessthan/<,
// mapping, ne/!=, none, number, odd, sameas, sequence, string, test, true, undefined,
// upper.
#include <string_view>

#include "model/chat/ast.hpp"

namespace moeserve::model::jinja {

// The test of that name, or nullptr.
test_fn find_test(std::string_view name);

}  // namespace moeserve::model::jinja
