#include "model/chat/call_binding.hpp"

#include "model/chat/eval_failure.hpp"

namespace moeserve::model::jinja {

std::vector<std::optional<value>> bind_arguments(std::string_view function, call_args& args,
                                                 std::initializer_list<std::string_view> params) {
  std::vector<std::optional<value>> slots(params.size());
  if (args.positional.size() > params.size()) {
    fail(std::string(function) + "() takes at most " + std::to_string(params.size()) + " argument(s) (" +
         std::to_string(args.positional.size()) + " given)");
  }
  for (std::size_t i = 0; i < args.positional.size(); ++i) slots[i] = std::move(args.positional[i]);
  for (auto& [name, v] : args.keyword) {
    std::size_t i = 0;
    for (auto p : params) {
      if (p == name) break;
      ++i;
    }
    if (i == params.size()) fail(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
    if (slots[i]) fail(std::string(function) + "() got multiple values for argument '" + name + "'");
    slots[i] = std::move(v);
  }
  return slots;
}

std::int64_t int_argument(std::string_view function, const value& v) {
  if (!v.is_integral()) fail(std::string(function) + "(): expected an integer, got '" + type_name(v) + "'");
  return v.integral();
}

const tainted_string& string_argument(std::string_view function, const value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) fail(std::string(function) + "(): expected a string, got '" + type_name(v) + "'");
  return v.as_string();
}

}  // namespace moeserve::model::jinja
