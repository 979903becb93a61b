#pragma once
// One frame of template variables: the render's top level, a loop iteration, a macro call,
// a {% with %} block. Lookups walk to the parent; assignments stay in the frame, so that a
// {% set %} inside a loop body is gone at the next iteration, as in jinja2.
//
// Macros keep the frame they were defined in (they see its variables as they are when
// called), so frames are shared. The interpreter clears a frame when its block ends, which
// also breaks the reference cycle of a frame that holds a macro that holds the frame.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

class scope {
 public:
  explicit scope(std::shared_ptr<scope> parent) : parent_(std::move(parent)) {}

  // The variable in this frame or the nearest enclosing one, or nullptr.
  const value* find(std::string_view name) const {
    for (const scope* s = this; s != nullptr; s = s->parent_.get()) {
      for (const auto& [n, v] : s->vars_) {
        if (n == name) return &v;
      }
    }
    return nullptr;
  }

  void set(std::string_view name, value v) {
    for (auto& [n, old] : vars_) {
      if (n == name) {
        old = std::move(v);
        return;
      }
    }
    vars_.emplace_back(std::string(name), std::move(v));
  }

  void clear() { vars_.clear(); }

 private:
  std::shared_ptr<scope> parent_;
  std::vector<std::pair<std::string, value>> vars_;
};

}  // namespace moeserve::model::jinja
