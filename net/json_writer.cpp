#include "net/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>

namespace moeserve::net {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at the start of `s`, or 0 when it does not start
// with one. The byte ranges are those of the Unicode standard's table 3-7 (no overlong
// forms, no surrogates, nothing above U+10FFFF). On 0, `*subpart` is the length of the
// maximal invalid subpart to replace with one U+FFFD (at least 1).
std::size_t valid_sequence(std::string_view s, std::size_t* subpart) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    *subpart = 1;  // a continuation byte, C0, C1 or F5..FF
    return 0;
  }
  std::size_t i = 1;
  for (; i < length && i < s.size(); ++i) {
    const unsigned char c = b(i);
    const unsigned char low = i == 1 ? lo : 0x80;
    const unsigned char high = i == 1 ? hi : 0xBF;
    if (c < low || c > high) break;
  }
  if (i == length) return length;
  *subpart = i;  // the lead and the continuation bytes that were still possible
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t subpart = 0;
      const std::size_t n = valid_sequence(text.substr(i), &subpart);
      if (n == 0) {
        out.append(replacement_character);
        i += subpart;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t subpart = 0;
    const std::size_t n = valid_sequence(text.substr(i), &subpart);
    if (n == 0) {
      out.append(replacement_character);
      i += subpart;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

void json_writer::before_value() {
  if (need_comma_ && !after_key_) out_.push_back(',');
  after_key_ = false;
}

json_writer& json_writer::begin_object() {
  before_value();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  need_comma_ = true;
  return *this;
}

template <class Number>
json_writer& json_writer::number(Number v) {
  before_value();
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::integer(std::int64_t v) { return number(v); }

json_writer& json_writer::real(double v) { return std::isfinite(v) ? number(v) : null(); }

json_writer& json_writer::real(float v) { return std::isfinite(v) ? number(v) : null(); }

json_writer& json_writer::boolean(bool v) { return raw(v ? "true" : "false"); }

json_writer& json_writer::null() { return raw("null"); }

json_writer& json_writer::raw(std::string_view json) {
  before_value();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace moeserve::net
