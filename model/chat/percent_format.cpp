#include "model/chat/percent_format.hpp"

#include <cmath>
#include <cstdio>

#include "model/chat/eval_failure.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

struct spec {
  bool left = false, zero = false, plus = false, space = false;
  std::size_t width = 0;
  int precision = -1;
  char conversion = 0;
};

std::string format_number(const spec& s, const value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) {
    fail(std::string("%") + s.conversion + " format: a real number is required, not " + type_name(v));
  }
  std::string digits;
  bool negative = false;
  if (s.conversion == 'f') {
    const double d = v.number();
    negative = std::signbit(d) && !std::isnan(d);
    if (std::isnan(d) || std::isinf(d)) {
      digits = std::isnan(d) ? "nan" : "inf";
    } else {
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*f", s.precision < 0 ? 6 : std::min(s.precision, 300), std::fabs(d));
      digits = buf;
    }
  } else {
    if (s.conversion == 'x' && v.is_float()) fail("%x format: an integer is required, not float");
    double truncated = 0;
    std::int64_t i = 0;
    if (v.is_float()) {
      truncated = std::trunc(v.as_float());
      if (!std::isfinite(truncated) || std::fabs(truncated) >= 9.2e18) fail("cannot format this float as an integer");
      i = static_cast<std::int64_t>(truncated);
    } else {
      i = v.integral();
    }
    negative = i < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    char buf[32];
    std::snprintf(buf, sizeof buf, s.conversion == 'x' ? "%llx" : "%llu", static_cast<unsigned long long>(magnitude));
    digits = buf;
    if (s.precision > static_cast<int>(digits.size())) {
      digits.insert(0, static_cast<std::size_t>(s.precision) - digits.size(), '0');
    }
  }
  const std::string sign = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
  if (s.zero && !s.left && sign.size() + digits.size() < s.width) {
    digits.insert(0, s.width - sign.size() - digits.size(), '0');
  }
  return sign + digits;
}

void append_padded(tainted_string& out, const tainted_string& text, const spec& s) {
  const std::size_t len = utf8_length(text.text());
  const std::string pad = len < s.width ? std::string(s.width - len, ' ') : std::string();
  if (!s.left) out.append(pad, true);
  out.append(text);
  if (s.left) out.append(pad, true);
}

}  // namespace

tainted_string percent_format(const tainted_string& format, const value& args, std::size_t max_bytes) {
  const std::string& f = format.text();
  const bool mapping = args.is_dict() || (args.is_list() && !args.is_tuple());
  std::vector<value> positional;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
  }
  std::size_t next = 0;
  tainted_string out;
  std::size_t literal = 0;
  for (std::size_t i = 0; i < f.size();) {
    if (f[i] != '%') {
      ++i;
      continue;
    }
    out.append(format.substr(literal, i - literal));
    ++i;
    if (i >= f.size()) fail("incomplete format");
    const value* arg = nullptr;
    if (f[i] == '(') {
      const std::size_t close = f.find(')', i);
      if (close == std::string::npos) fail("incomplete format key");
      if (!args.is_dict()) fail("format requires a mapping");
      arg = args.as_dict().find(std::string_view(f).substr(i + 1, close - i - 1));
      if (arg == nullptr) fail("KeyError: '" + f.substr(i + 1, close - i - 1) + "'");
      i = close + 1;
    }
    spec s;
    for (; i < f.size(); ++i) {
      if (f[i] == '-') {
        s.left = true;
      } else if (f[i] == '0') {
        s.zero = true;
      } else if (f[i] == '+') {
        s.plus = true;
      } else if (f[i] == ' ') {
        s.space = true;
      } else {
        break;
      }
    }
    for (; i < f.size() && f[i] >= '0' && f[i] <= '9'; ++i)
      s.width = std::min<std::size_t>(s.width * 10 + (f[i] - '0'), max_bytes);
    if (i < f.size() && f[i] == '.') {
      s.precision = 0;
      for (++i; i < f.size() && f[i] >= '0' && f[i] <= '9'; ++i)
        s.precision = std::min(s.precision * 10 + (f[i] - '0'), 100000);
    }
    if (i >= f.size()) fail("incomplete format");
    s.conversion = f[i++];
    literal = i;
    if (s.conversion == '%') {
      out.append("%", true);
      continue;
    }
    if (arg == nullptr) {
      if (next >= positional.size()) fail("not enough arguments for format string");
      arg = &positional[next++];
    }
    switch (s.conversion) {
      case 's':
      case 'r': {
        tainted_string text = s.conversion == 's' ? py_str(*arg) : py_repr(*arg);
        if (s.precision >= 0) {
          const auto offsets = utf8_offsets(text.text());
          if (static_cast<std::size_t>(s.precision) + 1 < offsets.size()) {
            text = text.substr(0, offsets[static_cast<std::size_t>(s.precision)]);
          }
        }
        append_padded(out, text, s);
        break;
      }
      case 'd':
      case 'i':
      case 'f':
      case 'x':
        if (s.conversion == 'i') s.conversion = 'd';
        append_padded(out, tainted_string::trusted(format_number(s, *arg)), s);
        break;
      default:
        fail(std::string("unsupported format character '") + s.conversion + "'");
    }
    if (out.size() > max_bytes) fail_limit("string too large (more than " + std::to_string(max_bytes) + " bytes)");
  }
  out.append(format.substr(literal, f.size() - literal));
  if (next < positional.size() && !mapping) fail("not all arguments converted during string formatting");
  if (out.size() > max_bytes) fail_limit("string too large (more than " + std::to_string(max_bytes) + " bytes)");
  return out;
}

}  // namespace moeserve::model::jinja
