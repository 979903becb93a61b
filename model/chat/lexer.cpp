#include "model/chat/lexer.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

#include "model/chat/string_literal.hpp"
#include "model/chat/template_error.hpp"
#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Length of the Python whitespace (\s) run at s[pos].
std::size_t whitespace_run(std::string_view s, std::size_t pos) {
  std::size_t p = pos;
  while (p < s.size()) {
    std::size_t next = p;
    if (!py_isspace(utf8_decode(s, next))) break;
    p = next;
  }
  return p - pos;
}

// Python str.rstrip() of s.
std::string_view rstrip_whitespace(std::string_view s) {
  const auto offsets = utf8_offsets(s);
  std::size_t n = offsets.size() - 1;
  while (n > 0) {
    std::size_t p = offsets[n - 1];
    if (!py_isspace(utf8_decode(s, p))) break;
    --n;
  }
  return s.substr(0, offsets[n]);
}

bool all_whitespace_nonempty(std::string_view s) { return !s.empty() && whitespace_run(s, 0) == s.size(); }

class lexer {
 public:
  lexer(std::string_view source, const source_map& locate) : src_(source), locate_(locate) {}

  std::vector<token> run() {
    while (pos_ < src_.size()) lex_root();
    push(token_kind::end_of_input, "", src_.size());
    return std::move(out_);
  }

 private:
  [[noreturn]] void error(std::size_t offset, const std::string& message) const {
    throw template_error(template_error::kind::syntax, message, locate_.line(offset), locate_.column(offset));
  }

  void push(token_kind kind, std::string text, std::size_t offset) {
    token t;
    t.kind = kind;
    t.text = std::move(text);
    t.offset = offset;
    out_.push_back(std::move(t));
  }

  bool starts_with(std::size_t pos, std::string_view s) const { return src_.substr(pos, s.size()) == s; }

  // The text before a tag, with "-" / lstrip_blocks applied as jinja2 does.
  void push_text_before_tag(std::size_t begin, std::size_t end, char sign, bool is_variable) {
    std::string_view text = src_.substr(begin, end - begin);
    if (sign == '-') {
      text = rstrip_whitespace(text);
    } else if (sign != '+' && !is_variable) {
      const std::size_t nl = text.rfind('\n');
      const std::size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && all_whitespace_nonempty(text.substr(l_pos))) text = text.substr(0, l_pos);
    }
    if (!text.empty()) push(token_kind::data, std::string(text), begin);
  }

  // After an end marker: "-" eats all following whitespace, trim_blocks one newline.
  std::size_t after_end_marker(std::size_t pos, char sign, bool trim_newline) {
    if (sign == '-') {
      pos += whitespace_run(src_, pos);
    } else if (sign != '+' && trim_newline && pos < src_.size() && src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  void lex_root() {
    std::size_t p = pos_;
    while (true) {
      p = src_.find('{', p);
      if (p == std::string_view::npos || p + 1 >= src_.size()) {
        push(token_kind::data, std::string(src_.substr(pos_)), pos_);
        pos_ = src_.size();
        return;
      }
      const char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') break;
      ++p;
    }
    const char kind = src_[p + 1];
    std::size_t after = p + 2;
    char sign = 0;
    if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];
    if (kind == '%') {
      if (const std::size_t raw_end = match_raw_begin(after); raw_end != 0) {
        push_text_before_tag(pos_, p, sign, false);
        line_starting_ = src_[raw_end - 1] == '\n';
        pos_ = raw_end;
        lex_raw();
        return;
      }
    }
    push_text_before_tag(pos_, p, sign, kind == '{');
    line_starting_ = false;
    pos_ = after;
    if (kind == '#') {
      lex_comment();
    } else {
      push(kind == '%' ? token_kind::block_begin : token_kind::variable_begin, "", p);
      lex_tag(kind == '%', p);
    }
  }

  // The end of "{% raw %}" when it starts here (after "{%" and its sign), else 0.
  std::size_t match_raw_begin(std::size_t pos) const {
    pos += whitespace_run(src_, pos);
    if (!starts_with(pos, "raw")) return 0;
    pos += 3;
    pos += whitespace_run(src_, pos);
    if (starts_with(pos, "-%}")) return pos + 3 + whitespace_run(src_, pos + 3);
    if (starts_with(pos, "%}")) return pos + 2;
    return 0;
  }

  void lex_raw() {
    std::size_t p = pos_;
    while (true) {
      p = src_.find("{%", p);
      if (p == std::string_view::npos) error(pos_, "Missing end of raw directive");
      std::size_t q = p + 2;
      char sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      q += whitespace_run(src_, q);
      if (starts_with(q, "endraw")) {
        q += 6;
        q += whitespace_run(src_, q);
        char end_sign = 0;
        if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) end_sign = src_[q++];
        if (starts_with(q, "%}")) {
          push_text_before_tag(pos_, p, sign, false);
          const std::size_t end = after_end_marker(q + 2, end_sign, true);
          line_starting_ = src_[end - 1] == '\n';
          pos_ = end;
          return;
        }
      }
      p += 2;
    }
  }

  void lex_comment() {
    const std::size_t begin = pos_;
    std::size_t p = src_.find("#}", pos_);
    if (p == std::string_view::npos) error(begin, "Missing end of comment tag");
    char sign = 0;
    if (p > pos_ && (src_[p - 1] == '-' || src_[p - 1] == '+')) sign = src_[p - 1];
    const std::size_t end = after_end_marker(p + 2, sign, true);
    line_starting_ = src_[end - 1] == '\n';
    pos_ = end;
  }

  void lex_tag(bool is_block, std::size_t tag_start) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) {
        error(tag_start,
              std::string("unexpected end of template: the tag is not closed with '") + (is_block ? "%}" : "}}") + "'");
      }
      if (balance.empty() && lex_tag_end(is_block)) return;
      lex_tag_token(balance);
    }
  }

  bool lex_tag_end(bool is_block) {
    const std::size_t p = pos_;
    if (is_block) {
      if (starts_with(p, "+%}")) return finish_tag(token_kind::block_end, p, p + 3, '+', true);
      if (starts_with(p, "-%}")) return finish_tag(token_kind::block_end, p, p + 3, '-', true);
      if (starts_with(p, "%}")) return finish_tag(token_kind::block_end, p, p + 2, 0, true);
    } else {
      if (starts_with(p, "-}}")) return finish_tag(token_kind::variable_end, p, p + 3, '-', false);
      if (starts_with(p, "}}")) return finish_tag(token_kind::variable_end, p, p + 2, 0, false);
    }
    return false;
  }

  bool finish_tag(token_kind kind, std::size_t marker, std::size_t end, char sign, bool trim_newline) {
    push(kind, "", marker);
    end = after_end_marker(end, sign, trim_newline);
    line_starting_ = src_[end - 1] == '\n';
    pos_ = end;
    return true;
  }

  void lex_tag_token(std::vector<char>& balance) {
    const std::size_t p = pos_;
    if (const std::size_t ws = whitespace_run(src_, p); ws > 0) {
      pos_ += ws;
      return;
    }
    if (const std::size_t n = match_float(p); n > 0) {
      push_number(token_kind::floating, p, n);
      return;
    }
    if (const std::size_t n = match_integer(p); n > 0) {
      push_number(token_kind::integer, p, n);
      return;
    }
    const char c = src_[p];
    if (is_name_start(c)) {
      std::size_t q = p;
      while (q < src_.size() && is_name_char(src_[q])) ++q;
      push(token_kind::name, std::string(src_.substr(p, q - p)), p);
      pos_ = q;
      return;
    }
    if (c == '\'' || c == '"') {
      lex_string(c);
      return;
    }
    lex_operator(balance);
  }

  // Python's float_re; 0 when it does not match.
  std::size_t match_float(std::size_t p) const {
    if (p > 0 && src_[p - 1] == '.') return 0;
    std::size_t q = match_digits(p);
    if (q == p) return 0;
    std::size_t frac = q;
    if (frac < src_.size() && src_[frac] == '.') {
      const std::size_t f = match_digits(frac + 1);
      frac = f > frac + 1 ? f : q;
    }
    if (frac < src_.size() && (src_[frac] == 'e' || src_[frac] == 'E')) {
      std::size_t e = frac + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      const std::size_t end = match_digits(e);
      if (end > e) return end - p;
    }
    return frac > q ? frac - p : 0;
  }

  // (\d+_)*\d+ at p; returns the end (p when none).
  std::size_t match_digits(std::size_t p) const {
    std::size_t q = p;
    std::size_t last_good = p;
    while (q < src_.size() && is_digit(src_[q])) {
      while (q < src_.size() && is_digit(src_[q])) ++q;
      last_good = q;
      if (q + 1 < src_.size() && src_[q] == '_' && is_digit(src_[q + 1])) {
        ++q;
      } else {
        break;
      }
    }
    return last_good;
  }

  // Python's integer_re (with 0b/0o/0x prefixes and _ separators); 0 when no match.
  std::size_t match_integer(std::size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return 0;
    auto prefixed = [&](char lower, auto is_valid) -> std::size_t {
      if (src_[p] != '0' || p + 1 >= src_.size() || (src_[p + 1] | 0x20) != lower) return 0;
      std::size_t q = p + 2;
      std::size_t end = 0;
      while (q < src_.size()) {
        std::size_t r = q;
        if (src_[r] == '_') ++r;
        if (r < src_.size() && is_valid(src_[r])) {
          q = r + 1;
          end = q;
        } else {
          break;
        }
      }
      return end == 0 ? 0 : end - p;
    };
    if (auto n = prefixed('b', [](char ch) { return ch == '0' || ch == '1'; })) return n;
    if (auto n = prefixed('o', [](char ch) { return ch >= '0' && ch <= '7'; })) return n;
    if (auto n = prefixed('x', [](char ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); })) {
      return n;
    }
    const char first = src_[p];
    std::size_t q = p + 1;
    auto more = [&](auto allowed) {
      while (q < src_.size()) {
        std::size_t r = q;
        if (src_[r] == '_') ++r;
        if (r < src_.size() && allowed(src_[r])) {
          q = r + 1;
        } else {
          break;
        }
      }
    };
    if (first == '0') {
      more([](char ch) { return ch == '0'; });
    } else {
      more(is_digit);
    }
    return q - p;
  }

  void push_number(token_kind kind, std::size_t p, std::size_t n) {
    std::string spelling;
    for (char c : src_.substr(p, n)) {
      if (c != '_') spelling += c;
    }
    token t;
    t.kind = kind;
    t.offset = p;
    t.text = std::string(src_.substr(p, n));
    if (kind == token_kind::floating) {
      const auto res = std::from_chars(spelling.data(), spelling.data() + spelling.size(), t.float_value);
      if (res.ec == std::errc::result_out_of_range) {
        // Python reads overflowing literals as inf and underflowing ones as 0.0.
        const auto e = spelling.find_first_of("eE");
        const bool negative_exponent = e != std::string::npos && e + 1 < spelling.size() && spelling[e + 1] == '-';
        t.float_value = negative_exponent ? 0.0 : std::numeric_limits<double>::infinity();
      }
    } else {
      int base = 10;
      std::size_t skip = 0;
      if (spelling.size() > 1 && spelling[0] == '0') {
        const char b = static_cast<char>(spelling[1] | 0x20);
        base = b == 'b' ? 2 : b == 'o' ? 8 : b == 'x' ? 16 : 10;
        skip = base == 10 ? 0 : 2;
      }
      const auto res = std::from_chars(spelling.data() + skip, spelling.data() + spelling.size(), t.int_value, base);
      if (res.ec != std::errc()) error(p, "integer literal out of range: " + t.text);
    }
    out_.push_back(std::move(t));
    pos_ = p + n;
  }

  void lex_string(char quote) {
    const std::size_t begin = pos_;
    std::size_t q = begin + 1;
    while (q < src_.size() && src_[q] != quote) {
      if (src_[q] == '\\') ++q;
      ++q;
    }
    if (q >= src_.size()) error(begin, "unexpected end of string");
    std::string value;
    try {
      value = decode_string_literal(src_.substr(begin + 1, q - begin - 1));
    } catch (const std::invalid_argument& e) {
      error(begin, e.what());
    }
    push(token_kind::string, std::move(value), begin);
    pos_ = q + 1;
  }

  void lex_operator(std::vector<char>& balance) {
    const std::size_t p = pos_;
    static constexpr std::string_view two_char[] = {"//", "**", "==", "!=", ">=", "<="};
    for (auto op : two_char) {
      if (starts_with(p, op)) {
        push(token_kind::op, std::string(op), p);
        pos_ += 2;
        return;
      }
    }
    const char c = src_[p];
    static constexpr std::string_view single = "+-/*%~[](){}><=.:|,;";
    if (single.find(c) == std::string_view::npos) {
      std::size_t q = p;
      const char32_t cp = utf8_decode(src_, q);
      std::string shown;
      utf8_append(shown, cp);
      error(p, "unexpected char '" + shown + "'");
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) error(p, std::string("unexpected '") + c + "'");
      const char expected = balance.back();
      balance.pop_back();
      if (expected != c) error(p, std::string("unexpected '") + c + "', expected '" + expected + "'");
    }
    push(token_kind::op, std::string(1, c), p);
    ++pos_;
  }

  std::string_view src_;
  const source_map& locate_;
  std::vector<token> out_;
  std::size_t pos_ = 0;
  bool line_starting_ = true;
};

}  // namespace

std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<token> tokenize(std::string_view source, const source_map& locate) { return lexer(source, locate).run(); }

source_map::source_map(std::string source) : source_(std::move(source)) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < source_.size(); ++i) {
    if (source_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::size_t source_map::line(std::size_t offset) const {
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<std::size_t>(it - line_starts_.begin());
}

std::size_t source_map::column(std::size_t offset) const {
  const std::size_t start = line_starts_[line(offset) - 1];
  offset = std::min(offset, source_.size());
  return utf8_length(std::string_view(source_).substr(start, offset - start)) + 1;
}

}  // namespace moeserve::model::jinja
