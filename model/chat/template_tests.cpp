#include "model/chat/template_tests.hpp"

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/filters.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/operators.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

// A test that takes no argument besides the tested value.
template <bool (*Pred)(const value&)>
bool simple(interpreter&, const value& v, call_args& args) {
  bind_arguments("test", args, {});
  return Pred(v);
}

bool is_defined(const value& v) { return !v.is_undefined(); }
bool is_undefined(const value& v) { return v.is_undefined(); }
bool is_none(const value& v) { return v.is_none(); }
bool is_boolean(const value& v) { return v.is_bool(); }
bool is_true(const value& v) { return v.is_bool() && v.as_bool(); }
bool is_false(const value& v) { return v.is_bool() && !v.as_bool(); }
bool is_integer(const value& v) { return v.is_int(); }
bool is_float(const value& v) { return v.is_float(); }
bool is_number(const value& v) { return v.is_number(); }
bool is_string(const value& v) { return v.is_string(); }
bool is_mapping(const value& v) { return v.is_dict(); }
// jinja2's Undefined and LoopContext are iterable; Undefined even counts as a sequence
// (it has __len__ and __getitem__) and as callable (__call__).
bool is_iterable(const value& v) {
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict() || v.is_loop();
}
bool is_sequence(const value& v) { return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict(); }
bool is_callable(const value& v) { return v.is_callable() || v.is_undefined(); }
bool is_lower(const value& v) { return py_str_islower(py_str(v).text()); }
bool is_upper(const value& v) { return py_str_isupper(py_str(v).text()); }

value remainder(interpreter& in, const value& v, const value& divisor) {
  return binary_operation(in, ast::binary_op::mod, v, divisor);
}

bool is_odd(interpreter& in, const value& v, call_args& args) {
  bind_arguments("odd", args, {});
  return values_equal(remainder(in, v, value::integer(2)), value::integer(1));
}

bool is_even(interpreter& in, const value& v, call_args& args) {
  bind_arguments("even", args, {});
  return values_equal(remainder(in, v, value::integer(2)), value::integer(0));
}

bool is_divisibleby(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("divisibleby", args, {"num"});
  if (!a[0]) fail("divisibleby() missing required argument 'num'");
  return values_equal(remainder(in, v, *a[0]), value::integer(0));
}

template <ast::compare_op Op>
bool comparison(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("comparison", args, {"other"});
  if (!a[0]) fail("comparison test missing its argument");
  return compare_values(Op, v, *a[0]);
}

bool is_in(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("in", args, {"seq"});
  if (!a[0]) fail("in test missing its argument");
  return contains(*a[0], v);
}

// Python's `is`, as far as values without identity allow: None, booleans, equal small
// ints (CPython caches -5..256) and the same shared string, list or dict.
bool is_sameas(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("sameas", args, {"other"});
  if (!a[0]) fail("sameas test missing its argument");
  const value& o = *a[0];
  if (v.type() != o.type()) return false;
  switch (v.type()) {
    case value::kind::none:
      return true;
    case value::kind::boolean:
      return v.as_bool() == o.as_bool();
    case value::kind::integer:
      return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case value::kind::string:
      return &v.as_string() == &o.as_string();
    case value::kind::list:
      return &v.as_list() == &o.as_list();
    case value::kind::dict:
      return &v.as_dict() == &o.as_dict();
    default:
      return values_equal(v, o);
  }
}

bool is_filter(interpreter&, const value& v, call_args& args) {
  bind_arguments("filter", args, {});
  return v.is_string() && find_filter(v.text()) != nullptr;
}

bool is_test(interpreter&, const value& v, call_args& args) {
  bind_arguments("test", args, {});
  return v.is_string() && find_test(v.text()) != nullptr;
}

struct test_entry {
  std::string_view name;
  test_fn fn;
};

constexpr test_entry tests[] = {
    {"!=", comparison<ast::compare_op::ne>},
    {"<", comparison<ast::compare_op::lt>},
    {"<=", comparison<ast::compare_op::le>},
    {"==", comparison<ast::compare_op::eq>},
    {">", comparison<ast::compare_op::gt>},
    {">=", comparison<ast::compare_op::ge>},
    {"boolean", simple<is_boolean>},
    {"callable", simple<is_callable>},
    {"defined", simple<is_defined>},
    {"divisibleby", is_divisibleby},
    {"eq", comparison<ast::compare_op::eq>},
    {"equalto", comparison<ast::compare_op::eq>},
    {"even", is_even},
    {"false", simple<is_false>},
    {"filter", is_filter},
    {"float", simple<is_float>},
    {"ge", comparison<ast::compare_op::ge>},
    {"greaterthan", comparison<ast::compare_op::gt>},
    {"gt", comparison<ast::compare_op::gt>},
    {"in", is_in},
    {"integer", simple<is_integer>},
    {"iterable", simple<is_iterable>},
    {"le", comparison<ast::compare_op::le>},
    {"lessthan", comparison<ast::compare_op::lt>},
    {"lower", simple<is_lower>},
    {"lt", comparison<ast::compare_op::lt>},
    {"mapping", simple<is_mapping>},
    {"ne", comparison<ast::compare_op::ne>},
    {"none", simple<is_none>},
    {"number", simple<is_number>},
    {"odd", is_odd},
    {"sameas", is_sameas},
    {"sequence", simple<is_sequence>},
    {"string", simple<is_string>},
    {"test", is_test},
    {"true", simple<is_true>},
    {"undefined", simple<is_undefined>},
    {"upper", simple<is_upper>},
};

}  // namespace

test_fn find_test(std::string_view name) {
  for (const auto& t : tests) {
    if (t.name == name) return t.fn;
  }
  return nullptr;
}

}  // namespace moeserve::model::jinja
