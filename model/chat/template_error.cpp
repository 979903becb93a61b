#include "model/chat/template_error.hpp"

namespace moeserve::model {

template_error::template_error(kind k, std::string message, std::size_t line, std::size_t column)
    : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message),
      kind_(k),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

const char* to_string(template_error::kind k) {
  switch (k) {
    case template_error::kind::syntax:
      return "syntax";
    case template_error::kind::runtime:
      return "runtime";
    case template_error::kind::raised:
      return "raised";
    case template_error::kind::limit:
      return "limit";
  }
  return "unknown";
}

}  // namespace moeserve::model
