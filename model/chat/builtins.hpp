#pragma once
// The global functions templates may call: jinja2's range(), dict() and namespace(), and
// the two that transformers adds for chat templates, raise_exception(message) (fails the
// render with that message, kind `raised`) and strftime_now(format) (the render's clock,
// see render_options; a naive local time as Python's datetime.now(), so %z and %Z are
// empty and %f is 000000). range() refuses more than 100000 items, as jinja2's sandbox.
#include <string_view>

#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

// The global function of that name, or nullptr.
const value* find_builtin(std::string_view name);

}  // namespace moeserve::model::jinja
