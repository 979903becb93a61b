#include "model/chat/operators.hpp"

#include <cmath>
#include <limits>

#include "model/chat/eval_failure.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/percent_format.hpp"

namespace moeserve::model::jinja {
namespace {

using ast::binary_op;

const char* op_symbol(binary_op op) {
  switch (op) {
    case binary_op::add:
      return "+";
    case binary_op::sub:
      return "-";
    case binary_op::mul:
      return "*";
    case binary_op::div:
      return "/";
    case binary_op::floordiv:
      return "//";
    case binary_op::mod:
      return "%";
    case binary_op::pow:
      return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(binary_op op, const value& a, const value& b) {
  fail(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" + type_name(a) + "' and '" +
       type_name(b) + "'");
}

[[noreturn]] void overflow() { fail("integer overflow (integers are 64-bit here)"); }

// a (op) b with overflow checking; Op is one of the __builtin_*_overflow functions.
template <bool (*Op)(std::int64_t, std::int64_t, std::int64_t*)>
std::int64_t checked(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (Op(a, b, &r)) overflow();
  return r;
}

bool add_overflow(std::int64_t a, std::int64_t b, std::int64_t* r) { return __builtin_add_overflow(a, b, r); }
bool sub_overflow(std::int64_t a, std::int64_t b, std::int64_t* r) { return __builtin_sub_overflow(a, b, r); }
bool mul_overflow(std::int64_t a, std::int64_t b, std::int64_t* r) { return __builtin_mul_overflow(a, b, r); }

std::int64_t int_pow(std::int64_t base, std::int64_t exp) {
  std::int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked<mul_overflow>(result, base);
    exp >>= 1;
    if (exp > 0) base = checked<mul_overflow>(base, base);
  }
  return result;
}

// Python's float // and %.
void float_divmod(double a, double b, double& div, double& mod) {
  if (b == 0.0) fail("float divmod()");
  mod = std::fmod(a, b);
  div = (a - mod) / b;
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, b);
  }
  if (div != 0.0) {
    const double floordiv = std::floor(div);
    if (div - floordiv > 0.5)
      div = floordiv + 1.0;
    else
      div = floordiv;
  } else {
    div = std::copysign(0.0, a / b);
  }
}

value arithmetic(binary_op op, const value& a, const value& b) {
  if (a.is_integral() && b.is_integral() && op != binary_op::div) {
    const std::int64_t x = a.integral();
    const std::int64_t y = b.integral();
    switch (op) {
      case binary_op::add:
        return value::integer(checked<add_overflow>(x, y));
      case binary_op::sub:
        return value::integer(checked<sub_overflow>(x, y));
      case binary_op::mul:
        return value::integer(checked<mul_overflow>(x, y));
      case binary_op::floordiv:
      case binary_op::mod: {
        if (y == 0) fail("integer division or modulo by zero");
        if (x == std::numeric_limits<std::int64_t>::min() && y == -1) {
          if (op == binary_op::floordiv) overflow();
          return value::integer(0);
        }
        std::int64_t q = x / y;
        std::int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          m += y;
          q -= 1;
        }
        return value::integer(op == binary_op::floordiv ? q : m);
      }
      case binary_op::pow:
        if (y >= 0) return value::integer(int_pow(x, y));
        if (x == 0) fail("0.0 cannot be raised to a negative power");
        return value::floating(std::pow(static_cast<double>(x), static_cast<double>(y)));
      default:
        break;
    }
  }
  const double x = a.number();
  const double y = b.number();
  switch (op) {
    case binary_op::add:
      return value::floating(x + y);
    case binary_op::sub:
      return value::floating(x - y);
    case binary_op::mul:
      return value::floating(x * y);
    case binary_op::div:
      if (y == 0.0) fail(a.is_float() || b.is_float() ? "float division by zero" : "division by zero");
      return value::floating(x / y);
    case binary_op::floordiv:
    case binary_op::mod: {
      if (y == 0.0) fail(op == binary_op::mod ? "float modulo" : "float floor division by zero");
      double div = 0, mod = 0;
      float_divmod(x, y, div, mod);
      return value::floating(op == binary_op::floordiv ? div : mod);
    }
    case binary_op::pow: {
      if (x == 0.0 && y < 0) fail("0.0 cannot be raised to a negative power");
      if (x < 0 && std::floor(y) != y) fail("complex results are not supported");
      const double r = std::pow(x, y);
      if (std::isinf(r) && !std::isinf(x) && !std::isinf(y)) fail("Numerical result out of range");
      return value::floating(r);
    }
  }
  unsupported(op, a, b);
}

value repeat_string(interpreter& in, const value& s, std::int64_t n) {
  if (n <= 0 || s.as_string().empty()) return value::trusted_string("");
  const auto count = static_cast<std::uint64_t>(n);
  if (count > in.limits().max_output_bytes / s.as_string().size() + 1) in.check_string_size(~std::size_t{0});
  in.check_string_size(static_cast<std::size_t>(count) * s.as_string().size());
  tainted_string out;
  out.reserve(static_cast<std::size_t>(count) * s.as_string().size());
  for (std::uint64_t i = 0; i < count; ++i) out.append(s.as_string());
  return value::string(std::move(out));
}

value repeat_list(interpreter& in, const value& l, std::int64_t n) {
  std::vector<value> out;
  if (n > 0 && !l.items().empty()) {
    const auto count = static_cast<std::uint64_t>(n);
    if (count > in.limits().max_loop_iterations) in.check_sequence_size(count);
    in.check_sequence_size(count * l.items().size());
    out.reserve(static_cast<std::size_t>(count * l.items().size()));
    for (std::uint64_t i = 0; i < count; ++i) out.insert(out.end(), l.items().begin(), l.items().end());
  }
  return value::list(std::move(out), l.is_tuple());
}

}  // namespace

value binary_operation(interpreter& in, binary_op op, const value& a, const value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  if (op == binary_op::add) {
    if (a.is_string()) {
      if (!b.is_string()) fail("can only concatenate str (not \"" + type_name(b) + "\") to str");
      in.check_string_size(a.as_string().size() + b.as_string().size());
      tainted_string out = a.as_string();
      out.append(b.as_string());
      return value::string(std::move(out));
    }
    if (a.is_list()) {
      if (!b.is_list() || a.is_tuple() != b.is_tuple()) {
        fail("can only concatenate " + type_name(a) + " (not \"" + type_name(b) + "\") to " + type_name(a));
      }
      in.check_sequence_size(a.items().size() + b.items().size());
      std::vector<value> items = a.items();
      items.insert(items.end(), b.items().begin(), b.items().end());
      return value::list(std::move(items), a.is_tuple());
    }
  }
  if (op == binary_op::mul) {
    if (a.is_string() && b.is_integral()) return repeat_string(in, a, b.integral());
    if (b.is_string() && a.is_integral()) return repeat_string(in, b, a.integral());
    if (a.is_list() && b.is_integral()) return repeat_list(in, a, b.integral());
    if (b.is_list() && a.is_integral()) return repeat_list(in, b, a.integral());
  }
  if (op == binary_op::mod && a.is_string())
    return value::string(percent_format(a.as_string(), b, in.limits().max_output_bytes));
  unsupported(op, a, b);
}

value unary_operation(ast::unary_op op, const value& v) {
  if (op == ast::unary_op::logical_not) return value::boolean(!truthy(v));
  if (v.is_undefined()) fail_undefined(v);
  const char* symbol = op == ast::unary_op::negate ? "-" : "+";
  if (v.is_integral()) {
    const std::int64_t i = v.integral();
    if (op == ast::unary_op::plus) return value::integer(i);
    if (i == std::numeric_limits<std::int64_t>::min()) overflow();
    return value::integer(-i);
  }
  if (v.is_float()) return value::floating(op == ast::unary_op::negate ? -v.as_float() : v.as_float());
  fail(std::string("bad operand type for unary ") + symbol + ": '" + type_name(v) + "'");
}

namespace {

const char* compare_symbol(ast::compare_op op) {
  switch (op) {
    case ast::compare_op::lt:
      return "<";
    case ast::compare_op::le:
      return "<=";
    case ast::compare_op::gt:
      return ">";
    case ast::compare_op::ge:
      return ">=";
    default:
      return "?";
  }
}

template <typename T>
bool apply_order(ast::compare_op op, const T& x, const T& y) {
  switch (op) {
    case ast::compare_op::lt:
      return x < y;
    case ast::compare_op::le:
      return x <= y;
    case ast::compare_op::gt:
      return x > y;
    default:
      return x >= y;
  }
}

// Python's <, <=, >, >= (lists: decided by the first unequal items, else by length).
bool ordered_compare(ast::compare_op op, const value& a, const value& b, std::size_t depth) {
  if (depth > max_value_depth) fail("value nested too deeply to compare");
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return apply_order(op, a.number(), b.number());
    return apply_order(op, a.integral(), b.integral());
  }
  if (a.is_string() && b.is_string()) return apply_order(op, a.text(), b.text());
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!values_equal(x[i], y[i])) return ordered_compare(op, x[i], y[i], depth + 1);
    }
    return apply_order(op, x.size(), y.size());
  }
  fail(std::string("'") + compare_symbol(op) + "' not supported between instances of '" + type_name(a) + "' and '" +
       type_name(b) + "'");
}

}  // namespace

bool less_than(const value& a, const value& b) { return ordered_compare(ast::compare_op::lt, a, b, 0); }

bool contains(const value& container, const value& item) {
  switch (container.type()) {
    case value::kind::undefined:
      return false;
    case value::kind::string:
      if (!item.is_string()) {
        fail("'in <string>' requires string as left operand, not " + type_name(item));
      }
      return container.text().find(item.text()) != std::string::npos;
    case value::kind::list:
      for (const auto& x : container.items()) {
        if (values_equal(x, item)) return true;
      }
      return false;
    case value::kind::dict:
      if (item.is_list() && !item.is_tuple()) fail("unhashable type: 'list'");
      if (item.is_dict()) fail("unhashable type: 'dict'");
      return item.is_string() && container.as_dict().contains(item.text());
    default:
      fail("argument of type '" + type_name(container) + "' is not iterable");
  }
}

bool compare_values(ast::compare_op op, const value& a, const value& b) {
  switch (op) {
    case ast::compare_op::eq:
      return values_equal(a, b);
    case ast::compare_op::ne:
      return !values_equal(a, b);
    case ast::compare_op::lt:
    case ast::compare_op::le:
    case ast::compare_op::gt:
    case ast::compare_op::ge:
      return ordered_compare(op, a, b, 0);
    case ast::compare_op::in:
      return contains(b, a);
    case ast::compare_op::not_in:
      return !contains(b, a);
  }
  return false;
}

}  // namespace moeserve::model::jinja
