#pragma once
// The value of a string literal of the template language: jinja2 decodes the text between
// the quotes with Python's "unicode-escape" codec after encoding non-ASCII characters
// with backslashreplace, so \n, \t, \\, \', \", \xNN, \uNNNN, \UNNNNNNNN and octal escapes
// work as in Python, unknown escapes keep their backslash, and a backslash before a
// non-ASCII character yields a backslash and that character's \x/\u/\U spelling.
// \N{name} escapes and escapes of surrogates are refused.
#include <string>
#include <string_view>

namespace moeserve::model::jinja {

// Throws std::invalid_argument with Python's message for a malformed escape.
std::string decode_string_literal(std::string_view body);

}  // namespace moeserve::model::jinja
