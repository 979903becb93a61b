#pragma once
// Binding of call arguments to named parameters, by Python's rules, for the built-in
// filters, tests, methods and functions.
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

// One slot per parameter, in order; empty when the argument was not given. Too many
// positional arguments, unknown keywords and arguments given twice are errors.
std::vector<std::optional<value>> bind_arguments(std::string_view function, call_args& args,
                                                 std::initializer_list<std::string_view> params);

// The argument as an integer (int or bool), or an error naming the function.
std::int64_t int_argument(std::string_view function, const value& v);
// The argument as a string, or an error naming the function.
const tainted_string& string_argument(std::string_view function, const value& v);

}  // namespace moeserve::model::jinja
