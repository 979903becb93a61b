#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {
namespace {

constexpr char32_t escaped_byte_base = 0xDC00;  // U+DC80..U+DCFF: one invalid byte each

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Greek and Coptic (U+0370..U+03FF): simple case mappings.
char32_t greek_upper(char32_t c) {
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 0x20;
  switch (c) {
    case 0x371:
    case 0x373:
    case 0x377:
      return c - 1;
    case 0x37B:
    case 0x37C:
    case 0x37D:
      return c + 0x82;
    case 0x3C2:
      return 0x3A3;
    case 0x3AC:
      return 0x386;
    case 0x3AD:
    case 0x3AE:
    case 0x3AF:
      return c - 0x25;
    case 0x3CC:
      return 0x38C;
    case 0x3CD:
    case 0x3CE:
      return c - 0x3F;
    case 0x3D0:
      return 0x392;
    case 0x3D1:
      return 0x398;
    case 0x3D5:
      return 0x3A6;
    case 0x3D6:
      return 0x3A0;
    case 0x3D7:
      return 0x3CF;
    case 0x3F0:
      return 0x39A;
    case 0x3F1:
      return 0x3A1;
    case 0x3F2:
      return 0x3F9;
    case 0x3F3:
      return 0x37F;
    case 0x3F5:
      return 0x395;
    case 0x3F8:
    case 0x3FB:
      return c - 1;
    default:
      break;
  }
  if (c >= 0x3D8 && c <= 0x3EF && (c & 1)) return c - 1;
  return c;
}

char32_t greek_lower(char32_t c) {
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  switch (c) {
    case 0x370:
    case 0x372:
    case 0x376:
      return c + 1;
    case 0x37F:
      return 0x3F3;
    case 0x386:
      return 0x3AC;
    case 0x388:
    case 0x389:
    case 0x38A:
      return c + 0x25;
    case 0x38C:
      return 0x3CC;
    case 0x38E:
    case 0x38F:
      return c + 0x3F;
    case 0x3CF:
      return 0x3D7;
    case 0x3F4:
      return 0x3B8;
    case 0x3F7:
    case 0x3FA:
      return c + 1;
    case 0x3F9:
      return 0x3F2;
    case 0x3FD:
    case 0x3FE:
    case 0x3FF:
      return c - 0x82;
    default:
      break;
  }
  if (c >= 0x3D8 && c <= 0x3EF && !(c & 1)) return c + 1;
  return c;
}

// The case pairs of one code point: its simple upper and lower case forms (itself when it
// has none), within the covered scripts.
char32_t simple_upper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 0x20 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if ((c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c - 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
    return c;
  }
  if (c >= 0x370 && c <= 0x3FF) return greek_upper(c);
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
    return (c & 1) ? c - 1 : c;
  }
  if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c : c - 1;
  if (c == 0x4CF) return 0x4C0;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 0x20;
  return c;
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x178) return 0xFF;
    if (c == 0x130) return 'i';
    if ((c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
    return c;
  }
  if (c >= 0x370 && c <= 0x3FF) return greek_lower(c);
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
    return (c & 1) ? c : c + 1;
  }
  if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c + 1 : c;
  if (c == 0x4C0) return 0x4CF;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

// Full upper case: the few covered characters that map to more than one code point.
void append_upper(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "SS";
  } else if (c == 0x149) {
    utf8_append(out, 0x2BC);
    out += 'N';
  } else if (c == 0x390 || c == 0x3B0) {  // with dialytika and tonos: three code points
    utf8_append(out, c == 0x390 ? 0x399 : 0x3A5);
    utf8_append(out, 0x308);
    utf8_append(out, 0x301);
  } else {
    utf8_append(out, simple_upper(c));
  }
}

void append_title(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "Ss";
  } else {
    append_upper(out, c);
  }
}

// Full lower case of s[i] given its neighbours (Greek final sigma, dotted capital I).
void append_lower(std::string& out, const std::vector<char32_t>& cps, std::size_t i) {
  const char32_t c = cps[i];
  if (c == 0x130) {
    out += 'i';
    utf8_append(out, 0x307);
    return;
  }
  if (c == 0x3A3) {
    const bool after_cased = i > 0 && py_iscased(cps[i - 1]);
    const bool before_cased = i + 1 < cps.size() && py_iscased(cps[i + 1]);
    utf8_append(out, after_cased && !before_cased ? 0x3C2 : 0x3C3);
    return;
  }
  utf8_append(out, simple_lower(c));
}

std::vector<char32_t> decode_all(std::string_view s) {
  std::vector<char32_t> cps;
  cps.reserve(s.size());
  for (std::size_t pos = 0; pos < s.size();) cps.push_back(utf8_decode(s, pos));
  return cps;
}

template <typename Pred>
bool all_of_nonempty(std::string_view s, Pred pred) {
  if (s.empty()) return false;
  for (std::size_t pos = 0; pos < s.size();) {
    if (!pred(utf8_decode(s, pos))) return false;
  }
  return true;
}

}  // namespace

char32_t utf8_decode(std::string_view s, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  }
  if (len != 0 && pos + len <= s.size()) {
    bool ok = true;
    for (std::size_t k = 1; k < len && ok; ++k) {
      const auto b = static_cast<unsigned char>(s[pos + k]);
      ok = is_continuation(b);
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
      pos += len;
      return cp;
    }
  }
  ++pos;
  return escaped_byte_base + b0;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp >= escaped_byte_base + 0x80 && cp <= escaped_byte_base + 0xFF) {
    out += static_cast<char>(cp - escaped_byte_base);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < s.size(); ++n) utf8_decode(s, pos);
  return n;
}

std::vector<std::size_t> utf8_offsets(std::string_view s) {
  std::vector<std::size_t> offsets;
  offsets.reserve(s.size() + 1);
  for (std::size_t pos = 0; pos < s.size();) {
    offsets.push_back(pos);
    utf8_decode(s, pos);
  }
  offsets.push_back(s.size());
  return offsets;
}

bool utf8_valid(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t cp = utf8_decode(s, pos);
    if (cp >= escaped_byte_base + 0x80 && cp <= escaped_byte_base + 0xFF) return false;
  }
  return true;
}

bool py_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool py_is_linebreak(char32_t c) {
  return (c >= 0x0A && c <= 0x0D) || (c >= 0x1C && c <= 0x1E) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool py_isprintable(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return false;
  if (c < 0x100) return true;
  if (c >= escaped_byte_base && c <= escaped_byte_base + 0xFF) return false;  // lone surrogates
  if ((c >= 0x600 && c <= 0x605) || c == 0x61C || c == 0x6DD || c == 0x70F || c == 0x890 || c == 0x891 || c == 0x8E2 ||
      c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
      (c >= 0x205F && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
      (c >= 0xFFF9 && c <= 0xFFFB) || c == 0x110BD || c == 0x110CD || (c >= 0x13430 && c <= 0x13438) ||
      (c >= 0x1BCA0 && c <= 0x1BCA3) || (c >= 0x1D173 && c <= 0x1D17A) || c == 0xE0001 ||
      (c >= 0xE0020 && c <= 0xE007F)) {
    return false;
  }
  if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) return false;  // private use
  return c != 0xFFFE && c != 0xFFFF;
}

bool py_isdigit(char32_t c) {
  return (c >= '0' && c <= '9') || c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0x660 && c <= 0x669) ||
         (c >= 0x6F0 && c <= 0x6F9) || (c >= 0x966 && c <= 0x96F) || (c >= 0xFF10 && c <= 0xFF19);
}

// Cased letters without a case mapping of their own.
bool cased_without_mapping(char32_t c) {
  return c == 0xAA || c == 0xBA || c == 0xDF || c == 0x138 || c == 0x149 || c == 0x37A || c == 0x390 || c == 0x3B0 ||
         (c >= 0x3D2 && c <= 0x3D4) || c == 0x3FC;
}

bool py_iscased(char32_t c) { return simple_upper(c) != c || simple_lower(c) != c || cased_without_mapping(c); }

bool py_isupper_char(char32_t c) { return simple_lower(c) != c || (c >= 0x3D2 && c <= 0x3D4); }

bool py_islower_char(char32_t c) {
  return simple_upper(c) != c || (cased_without_mapping(c) && !(c >= 0x3D2 && c <= 0x3D4));
}

bool py_isalpha(char32_t c) {
  if (py_iscased(c)) return true;
  return c == 0xAA || c == 0xBA || (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) ||
         (c >= 0x671 && c <= 0x6D3) || (c >= 0x904 && c <= 0x939) || (c >= 0x958 && c <= 0x961) ||
         (c >= 0xE01 && c <= 0xE30) || (c >= 0xE40 && c <= 0xE46) || (c >= 0x3041 && c <= 0x3096) ||
         (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7A3);
}

std::string py_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t pos = 0; pos < s.size();) append_upper(out, utf8_decode(s, pos));
  return out;
}

std::string py_lower(std::string_view s) {
  const auto cps = decode_all(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < cps.size(); ++i) append_lower(out, cps, i);
  return out;
}

std::string py_title(std::string_view s) {
  const auto cps = decode_all(s);
  std::string out;
  out.reserve(s.size());
  bool previous_cased = false;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (previous_cased) {
      append_lower(out, cps, i);
    } else {
      append_title(out, cps[i]);
    }
    previous_cased = py_iscased(cps[i]);
  }
  return out;
}

std::string py_capitalize(std::string_view s) {
  const auto cps = decode_all(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (i == 0) {
      append_title(out, cps[i]);
    } else {
      append_lower(out, cps, i);
    }
  }
  return out;
}

bool py_str_isspace(std::string_view s) { return all_of_nonempty(s, py_isspace); }
bool py_str_isdigit(std::string_view s) { return all_of_nonempty(s, py_isdigit); }
bool py_str_isalpha(std::string_view s) { return all_of_nonempty(s, py_isalpha); }
bool py_str_isalnum(std::string_view s) {
  return all_of_nonempty(s, [](char32_t c) { return py_isalpha(c) || py_isdigit(c); });
}

bool py_str_isupper(std::string_view s) {
  bool any_cased = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = utf8_decode(s, pos);
    if (py_islower_char(c)) return false;
    any_cased = any_cased || py_isupper_char(c);
  }
  return any_cased;
}

bool py_str_islower(std::string_view s) {
  bool any_cased = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = utf8_decode(s, pos);
    if (py_isupper_char(c)) return false;
    any_cased = any_cased || py_islower_char(c);
  }
  return any_cased;
}

}  // namespace moeserve::model::jinja
