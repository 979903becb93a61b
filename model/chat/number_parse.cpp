#include "model/chat/number_parse.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {
namespace {

std::string_view strip_spaces(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    std::size_t p = begin;
    if (!py_isspace(utf8_decode(s, p))) break;
    begin = p;
  }
  std::size_t end = s.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t p = start;
    if (!py_isspace(utf8_decode(s, p))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_py_int(std::string_view text, std::int64_t base) {
  if (base != 0 && (base < 2 || base > 36)) return std::nullopt;
  std::string_view s = strip_spaces(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  bool prefixed = false;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const std::int64_t prefix_base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefix_base != 0 && (base == 0 || base == prefix_base)) {
      base = prefix_base;
      s.remove_prefix(2);
      prefixed = true;
    }
  }
  if (base == 0) {
    // Decimal; a leading zero is only allowed for zero itself.
    base = 10;
    if (s.size() > 1 && s[0] == '0') {
      for (char c : s) {
        if (c != '0' && c != '_') return std::nullopt;
      }
    }
  }
  if (s.empty()) return std::nullopt;
  // Underscores: single, between digits (or right after a prefix).
  std::uint64_t acc = 0;
  constexpr std::uint64_t max_magnitude = std::uint64_t{1} << 63;  // |INT64_MIN|
  bool last_underscore = !prefixed;  // a leading underscore is allowed only after a prefix
  bool any_digit = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (last_underscore && !(prefixed && i == 0)) return std::nullopt;
      if (i == 0 && !prefixed) return std::nullopt;
      last_underscore = true;
      continue;
    }
    const int d = digit_value(c);
    if (d >= base) return std::nullopt;
    if (__builtin_mul_overflow(acc, static_cast<std::uint64_t>(base), &acc) ||
        __builtin_add_overflow(acc, static_cast<std::uint64_t>(d), &acc) || acc > max_magnitude) {
      return std::nullopt;
    }
    last_underscore = false;
    any_digit = true;
  }
  if (!any_digit || last_underscore) return std::nullopt;
  if (!negative && acc == max_magnitude) return std::nullopt;
  if (negative)
    return acc == max_magnitude ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(acc);
  return static_cast<std::int64_t>(acc);
}

std::optional<double> parse_py_float(std::string_view text) {
  std::string_view s = strip_spaces(text);
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (equals_ignore_case(body, "inf") || equals_ignore_case(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (equals_ignore_case(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  // [digits][.digits][e[+-]digits] with single underscores between digits.
  std::string clean;
  bool digits_before = false, digits_after = false, seen_dot = false, seen_exp = false, exp_digits = false;
  char prev = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c >= '0' && c <= '9') {
      (seen_exp ? exp_digits : seen_dot ? digits_after : digits_before) = true;
      clean += c;
    } else if (c == '_') {
      const bool next_digit = i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '9';
      if (!(prev >= '0' && prev <= '9') || !next_digit) return std::nullopt;
    } else if (c == '.' && !seen_dot && !seen_exp) {
      seen_dot = true;
      clean += c;
    } else if ((c == 'e' || c == 'E') && !seen_exp && (digits_before || digits_after)) {
      seen_exp = true;
      clean += 'e';
      if (i + 1 < body.size() && (body[i + 1] == '+' || body[i + 1] == '-')) clean += body[++i];
    } else {
      return std::nullopt;
    }
    prev = c;
  }
  if (!(digits_before || digits_after) || (seen_exp && !exp_digits)) return std::nullopt;
  double out = 0;
  const auto res = std::from_chars(clean.data(), clean.data() + clean.size(), out);
  if (res.ec == std::errc::result_out_of_range) {
    const auto e = clean.find('e');
    const bool tiny = e != std::string::npos && e + 1 < clean.size() && clean[e + 1] == '-';
    out = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (res.ec != std::errc() || res.ptr != clean.data() + clean.size()) {
    return std::nullopt;
  }
  return negative ? -out : out;
}

}  // namespace moeserve::model::jinja
