#pragma once
// The one exception type of the chat-template engine.
//
// Thrown by parsing (syntax errors, unsupported constructs, template too large or nested
// too deeply) and by rendering (type errors, undefined values used where jinja2 fails,
// raise_exception() called by the template, a limit exceeded). It carries the 1-based line
// and column (in code points) of the template position where the problem was found; what()
// reads "line L, column C: message".
#include <cstddef>
#include <stdexcept>
#include <string>

namespace moeserve::model {

class template_error : public std::runtime_error {
 public:
  enum class kind {
    syntax,   // the template text is not valid in the supported subset
    runtime,  // an operation failed while rendering (jinja2 raises there too)
    raised,   // the template called raise_exception(message)
    limit,    // a configured limit (size, nesting, iterations, depth, output) was exceeded
  };

  template_error(kind k, std::string message, std::size_t line, std::size_t column);

  kind error_kind() const { return kind_; }
  // The message without the position.
  const std::string& message() const { return message_; }
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }

 private:
  kind kind_;
  std::string message_;
  std::size_t line_;
  std::size_t column_;
};

const char* to_string(template_error::kind k);

}  // namespace moeserve::model
