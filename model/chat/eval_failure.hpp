#pragma once
// Errors raised below the interpreter (operators, filters, methods, value helpers) that do
// not know the template position. The interpreter catches an eval_failure at the innermost
// expression or statement being evaluated and rethrows it as a template_error with that
// node's line and column.
#include <stdexcept>
#include <string>

#include "model/chat/template_error.hpp"

namespace moeserve::model::jinja {

class value;

class eval_failure : public std::runtime_error {
 public:
  eval_failure(template_error::kind k, const std::string& message) : std::runtime_error(message), kind_(k) {}
  template_error::kind error_kind() const { return kind_; }

 private:
  template_error::kind kind_;
};

// A runtime error (jinja2 raises TypeError, UndefinedError, ... there).
[[noreturn]] void fail(const std::string& message);
// A configured limit was exceeded.
[[noreturn]] void fail_limit(const std::string& message);
// An undefined value was used where jinja2's Undefined raises; the message is its hint.
[[noreturn]] void fail_undefined(const value& undefined);

}  // namespace moeserve::model::jinja
