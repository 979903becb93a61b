// Filters on numbers: int, float, abs, round, sum.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/filter_support.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/number_parse.hpp"
#include "model/chat/operators.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

value f_int(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("int", args, {"default", "base"});
  const value fallback = a[0] ? *a[0] : value::integer(0);
  const std::int64_t base = a[1] ? int_argument("int", *a[1]) : 10;
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) return value::integer(v.integral());
  if (v.is_float()) {
    const double d = v.as_float();
    if (std::isnan(d)) return fallback;
    if (std::isinf(d)) fail("cannot convert float infinity to integer");
    if (d >= 9.3e18 || d <= -9.3e18) fail("integer overflow (integers are 64-bit here)");
    return value::integer(static_cast<std::int64_t>(d));
  }
  if (v.is_string()) {
    if (auto i = parse_py_int(v.text(), base)) return value::integer(*i);
    if (auto d = parse_py_float(v.text())) {
      if (std::isnan(*d)) return fallback;
      if (std::isinf(*d)) fail("cannot convert float infinity to integer");
      if (*d >= 9.3e18 || *d <= -9.3e18) fail("integer overflow (integers are 64-bit here)");
      return value::integer(static_cast<std::int64_t>(*d));
    }
  }
  return fallback;
}

value f_float(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("float", args, {"default"});
  const value fallback = a[0] ? *a[0] : value::floating(0.0);
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return value::floating(v.number());
  if (v.is_string()) {
    if (auto d = parse_py_float(v.text())) return value::floating(*d);
  }
  return fallback;
}

value f_abs(interpreter&, const value& v, call_args& args) {
  bind_arguments("abs", args, {});
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) {
    const std::int64_t i = v.integral();
    if (i == std::numeric_limits<std::int64_t>::min()) fail("integer overflow (integers are 64-bit here)");
    return value::integer(i < 0 ? -i : i);
  }
  if (v.is_float()) return value::floating(std::fabs(v.as_float()));
  fail("bad operand type for abs(): '" + type_name(v) + "'");
}

// Python's round(x, ndigits) of a float, correctly rounded (half to even on exact ties).
double round_float(double x, std::int64_t ndigits) {
  if (!std::isfinite(x) || ndigits > 320) return x;
  if (ndigits >= 0) {
    char buf[512];
    const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, static_cast<int>(ndigits));
    double out = 0;
    std::from_chars(buf, res.ptr, out);
    return out;
  }
  if (ndigits < -308) return std::copysign(0.0, x);
  const double pow10 = std::pow(10.0, static_cast<double>(-ndigits));
  const double y = x / pow10;
  double z = std::round(y);
  if (std::fabs(y - z) == 0.5) z = 2.0 * std::round(y / 2.0);
  return z * pow10;
}

value f_round(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("round", args, {"precision", "method"});
  const std::int64_t precision = a[0] ? int_argument("round", *a[0]) : 0;
  std::string method = "common";
  if (a[1]) method = string_argument("round", *a[1]).text();
  if (method != "common" && method != "ceil" && method != "floor") fail("method must be common, ceil or floor");
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) fail("type " + type_name(v) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return value::integer(v.integral());
      return value::integer(static_cast<std::int64_t>(round_float(static_cast<double>(v.integral()), precision)));
    }
    return value::floating(round_float(v.as_float(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.number() * scale;
  return value::floating((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

value f_sum(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("sum", args, {"attribute", "start"});
  attribute_getter get(in, a[0]);
  value total = a[1] ? *a[1] : value::integer(0);
  if (total.is_string()) fail("sum() can't sum strings [use ''.join(seq) instead]");
  for (const auto& item : to_items(in, v)) total = binary_operation(in, ast::binary_op::add, total, get(item));
  return total;
}

constexpr filter_entry table[] = {
    {"abs", f_abs}, {"float", f_float}, {"int", f_int}, {"round", f_round}, {"sum", f_sum},
};

}  // namespace

std::span<const filter_entry> number_filters() { return table; }

}  // namespace moeserve::model::jinja
