#pragma once
// The parser of the chat-template language: tokens (lexer.hpp) to a syntax tree (ast.hpp).
//
// The grammar is jinja2's, with the same operator precedence (lowest first):
//   a if b else c  <  or  <  and  <  not  <  comparisons (== != < <= > >= in, not in)
//   <  + -  <  ~  <  * / // %  <  ** (left-associative, as in jinja2)  <  unary - +
//   <  filters (|f), tests (is t), calls, subscripts and attributes.
// Statements: if/elif/else, for (with else, a filter `if`), set (also of a namespace
// attribute, and the block form with filters), macro, with, filter, break, continue,
// print, raw, and the `generation` block that transformers adds. Templates cannot load
// other templates: extends, include, import, from and block are refused, as are call
// blocks, recursive loops and autoescape.
//
// Unknown filters and tests are errors when the template is parsed, except inside an if
// block or an inline if, where jinja2 too reports them only when they are evaluated.
#include <string_view>

#include "model/chat/ast.hpp"
#include "model/chat/lexer.hpp"
#include "model/chat/template_limits.hpp"

namespace moeserve::model::jinja {

// Parses a normalized source (normalize_newlines). Throws template_error (kind syntax, or
// limit for the nesting depth).
ast::body parse_template(std::string_view source, const source_map& locate, const parse_limits& limits);

}  // namespace moeserve::model::jinja
