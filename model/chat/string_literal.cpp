#include "model/chat/string_literal.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {
namespace {

[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string decode_string_literal(std::string_view body) {
  std::string out;
  std::size_t i = 0;
  auto hex_value = [&](std::size_t at, std::size_t digits, const char* what) {
    if (at + digits > body.size()) bad(std::string("truncated ") + what + " escape");
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < digits; ++k) {
      const char h = body[at + k];
      std::uint32_t d;
      if (is_digit(h)) {
        d = static_cast<std::uint32_t>(h - '0');
      } else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') {
        d = static_cast<std::uint32_t>((h | 0x20) - 'a' + 10);
      } else {
        bad(std::string("truncated ") + what + " escape");
      }
      v = v * 16 + d;
    }
    return v;
  };
  auto append_code_point = [&](std::uint32_t cp) {
    if (cp > 0x10FFFF) bad("illegal Unicode character in escape");
    if (cp >= 0xD800 && cp <= 0xDFFF) bad("surrogate code points are not supported in string literals");
    utf8_append(out, cp);
  };
  while (i < body.size()) {
    const char c = body[i];
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) bad("\\ at end of string");
    const char e = body[i + 1];
    i += 2;
    switch (e) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        append_code_point(hex_value(i, 2, "\\xXX"));
        i += 2;
        break;
      case 'u':
        append_code_point(hex_value(i, 4, "\\uXXXX"));
        i += 4;
        break;
      case 'U':
        append_code_point(hex_value(i, 8, "\\UXXXXXXXX"));
        i += 8;
        break;
      case 'N':
        bad("\\N{...} escapes are not supported");
      default:
        if (e >= '0' && e <= '7') {
          std::uint32_t v = static_cast<std::uint32_t>(e - '0');
          for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k, ++i) {
            v = v * 8 + static_cast<std::uint32_t>(body[i] - '0');
          }
          append_code_point(v);
        } else if (static_cast<unsigned char>(e) >= 0x80) {
          // The backslash escapes the backslashreplace spelling of a non-ASCII character:
          // Python yields a backslash followed by that spelling ("\xe9", "\u20ac", ...).
          std::size_t at = i - 1;
          const char32_t cp = utf8_decode(body, at);
          char buf[16];
          if (cp < 0x100) {
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          } else if (cp < 0x10000) {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          } else {
            std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
          }
          out += buf;
          i = at;
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

}  // namespace moeserve::model::jinja
