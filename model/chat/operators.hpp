#pragma once
// Python's operators on interpreter values, as jinja2 evaluates them: arithmetic with
// Python's int/float rules (bool is an int; / is true division; // and % floor toward
// negative infinity; ** of ints stays an int), + and * on strings and lists, comparisons
// (numbers, strings by code point, lists lexicographically), `in`, unary minus/plus and
// printf-style `str % args` (percent_format.hpp).
// Integers are 64-bit: a result out of range is an error, where Python would grow.
// Undefined operands fail as jinja2's Undefined does.
//
// Provenance: + on strings concatenates it exactly; string repetition repeats it.
#include "model/chat/ast.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

value binary_operation(interpreter& in, ast::binary_op op, const value& a, const value& b);
value unary_operation(ast::unary_op op, const value& v);
// ==, !=, <, <=, >, >=, in, not in.
bool compare_values(ast::compare_op op, const value& a, const value& b);
// Python's a < b (an error for unordered types).
bool less_than(const value& a, const value& b);
// Python's `item in container`.
bool contains(const value& container, const value& item);

}  // namespace moeserve::model::jinja
