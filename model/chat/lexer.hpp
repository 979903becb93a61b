#pragma once
// The lexer of the chat-template language: jinja2's, configured as Hugging Face configures
// it for chat templates (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
// default delimiters {{ }}, {% %}, {# #}, no line statements).
//
// Whitespace rules, as jinja2 applies them:
//   - newlines (\r\n, \r, \n) become \n everywhere, and one trailing newline is dropped;
//   - trim_blocks: the first newline after %} or #} is removed ("+%}" keeps it);
//   - lstrip_blocks: spaces and tabs between the start of a line and {% or {# are removed
//     ("{%+" keeps them; {{ is never lstripped);
//   - "{%-", "{{-", "{#-" remove all whitespace before the tag, "-%}", "-}}", "-#}" all
//     whitespace after it.
// {% raw %}...{% endraw %} yields its content as text. Comments yield nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model::jinja {

enum class token_kind : std::uint8_t {
  data,            // template text outside tags
  variable_begin,  // {{
  variable_end,    // }}
  block_begin,     // {%
  block_end,       // %}
  name,
  string,  // text holds the decoded value
  integer,
  floating,
  op,  // text holds the operator: + - * / // % ** ~ == != < <= > >= = . : | , ; ( ) [ ] { }
  end_of_input,
};

struct token {
  token_kind kind = token_kind::end_of_input;
  std::string text;
  std::int64_t int_value = 0;
  double float_value = 0.0;
  std::size_t offset = 0;  // byte offset in the normalized source
};

// jinja2's newline handling: every \r\n, \r and \n becomes \n, and one trailing newline is
// removed (keep_trailing_newline=False).
std::string normalize_newlines(std::string_view source);

// Splits a normalized source into tokens, the last one end_of_input. Throws template_error
// (kind syntax) at the offending position; `locate` maps offsets to line and column.
class source_map;
std::vector<token> tokenize(std::string_view source, const source_map& locate);

// Maps byte offsets of a source to 1-based line and column (in code points).
class source_map {
 public:
  explicit source_map(std::string source);
  const std::string& source() const { return source_; }
  std::size_t line(std::size_t offset) const;
  std::size_t column(std::size_t offset) const;

 private:
  std::string source_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace moeserve::model::jinja
