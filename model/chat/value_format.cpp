#include "model/chat/value_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "model/chat/eval_failure.hpp"

namespace moeserve::model::jinja {
namespace {

void append_hex_escape(std::string& out, char32_t cp) {
  char buf[16];
  if (cp < 0x100) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
  } else if (cp < 0x10000) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
  }
  out += buf;
}

void append_repr(tainted_string& out, const value& v, std::size_t depth);

void append_sequence(tainted_string& out, const value& v, std::size_t depth) {
  const auto& items = v.items();
  out.append(v.is_tuple() ? "(" : "[", true);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(", ", true);
    append_repr(out, items[i], depth + 1);
  }
  if (v.is_tuple() && items.size() == 1) out.append(",", true);
  out.append(v.is_tuple() ? ")" : "]", true);
}

void append_dict(tainted_string& out, const dict_data& d, std::size_t depth) {
  out.append("{", true);
  bool first = true;
  for (const auto& [key, val] : d.entries()) {
    if (!first) out.append(", ", true);
    first = false;
    append_string_repr(out, key.as_string());
    out.append(": ", true);
    append_repr(out, val, depth + 1);
  }
  out.append("}", true);
}

void append_object(tainted_string& out, const value& v, std::size_t depth) {
  switch (v.type()) {
    case value::kind::callable:
      out.append("<built-in function " + v.as_callable().name() + ">", true);
      return;
    case value::kind::ns:
      out.append("<Namespace ", true);
      append_dict(out, v.as_namespace().attrs, depth + 1);
      out.append(">", true);
      return;
    case value::kind::loop: {
      const auto& loop = v.as_loop();
      out.append("<LoopContext " + std::to_string(loop.index0 + 1) + "/" + std::to_string(loop.items->size()) + ">",
                 true);
      return;
    }
    default:
      return;
  }
}

void append_repr(tainted_string& out, const value& v, std::size_t depth) {
  if (depth > max_value_depth) fail("value nested too deeply to print");
  switch (v.type()) {
    case value::kind::undefined:
      out.append("Undefined", true);
      return;
    case value::kind::string:
      append_string_repr(out, v.as_string());
      return;
    case value::kind::list:
      append_sequence(out, v, depth);
      return;
    case value::kind::dict:
      append_dict(out, v.as_dict(), depth);
      return;
    case value::kind::callable:
    case value::kind::ns:
    case value::kind::loop:
      append_object(out, v, depth);
      return;
    default:
      out.append(py_str(v));
      return;
  }
}

}  // namespace

std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  // sci is "[-]d[.ddd]e(+|-)dd"
  std::string out;
  std::size_t i = 0;
  if (sci[0] == '-') {
    out += '-';
    i = 1;
  }
  const std::size_t e = sci.find('e');
  std::string digits;
  for (std::size_t k = i; k < e; ++k) {
    if (sci[k] != '.') digits += sci[k];
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  const int decpt = exponent + 1;  // value = 0.digits * 10^decpt
  const int ndigits = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= ndigits) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - ndigits), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decpt));
    }
    return out;
  }
  out += digits[0];
  if (ndigits > 1) {
    out += '.';
    out += digits.substr(1);
  }
  const int shown = decpt - 1;
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", shown < 0 ? '-' : '+', shown < 0 ? -shown : shown);
  out += exp_buf;
  return out;
}

void append_string_repr(tainted_string& out, const tainted_string& s) {
  const std::string& text = s.text();
  const bool has_single = text.find('\'') != std::string::npos;
  const bool has_double = text.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out.append(std::string_view(&quote, 1), true);
  std::string piece;
  for_each_code_point(s, [&](char32_t cp, std::string_view bytes, bool trusted) {
    piece.clear();
    if (cp == '\\') {
      piece = "\\\\";
    } else if (cp == static_cast<char32_t>(quote)) {
      piece = std::string("\\") + quote;
    } else if (cp == '\n') {
      piece = "\\n";
    } else if (cp == '\r') {
      piece = "\\r";
    } else if (cp == '\t') {
      piece = "\\t";
    } else if (!py_isprintable(cp)) {
      append_hex_escape(piece, cp);
    } else {
      piece.assign(bytes);
    }
    out.append(piece, trusted);
  });
  out.append(std::string_view(&quote, 1), true);
}

tainted_string py_str(const value& v) {
  switch (v.type()) {
    case value::kind::undefined:
      return {};
    case value::kind::none:
      return tainted_string::trusted("None");
    case value::kind::boolean:
      return tainted_string::trusted(v.as_bool() ? "True" : "False");
    case value::kind::integer:
      return tainted_string::trusted(std::to_string(v.as_int()));
    case value::kind::floating:
      return tainted_string::trusted(format_float(v.as_float()));
    case value::kind::string:
      return v.as_string();
    default:
      return py_repr(v);
  }
}

tainted_string py_repr(const value& v) {
  tainted_string out;
  append_repr(out, v, 0);
  return out;
}

}  // namespace moeserve::model::jinja
