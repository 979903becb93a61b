#include "model/tokenizer/regex_pattern.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>

#include "model/tokenizer/tokenizer_error.hpp"
#include "model/tokenizer/unicode_additions.hpp"

namespace moeserve::model {
namespace {

constexpr std::string_view white_space_set =
    R"(\t-\r\x20\x85\xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// The members (for use inside [...]) that stand for an escape, or empty if it is not one we
// rewrite. `negated`: the escape is \S or \P{..}.
struct class_escape {
  std::size_t length = 0;  // of the escape in the pattern, backslash included
  std::string members;
  bool negated = false;
};

class_escape rewritable_escape(std::string_view rest, bool extend_unicode) {
  // `rest` starts at the backslash.
  if (rest.starts_with("\\s")) return {2, std::string(white_space_set), false};
  if (rest.starts_with("\\S")) return {2, std::string(white_space_set), true};
  for (const bool negated : {false, true}) {
    const std::string_view p = negated ? "\\P" : "\\p";
    if (rest.starts_with(std::string(p) + "{L}")) {
      return {5, "\\p{L}" + std::string(extend_unicode ? unicode_additions::letter_members() : ""), negated};
    }
    if (rest.starts_with(std::string(p) + "{N}")) {
      return {5, "\\p{N}" + std::string(extend_unicode ? unicode_additions::number_members() : ""), negated};
    }
  }
  return {};
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<const char*>(buffer));
}

// Match data of the calling thread: one ovector pair is all we read (group 0).
struct thread_match_data {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  ~thread_match_data() { pcre2_match_data_free(data); }
};

pcre2_match_data* match_data() {
  thread_local thread_match_data holder;
  if (holder.data == nullptr) throw std::bad_alloc();
  return holder.data;
}

}  // namespace

std::string translate_oniguruma_classes(std::string_view pattern, bool extend_unicode) {
  std::string out;
  out.reserve(pattern.size() + 256);
  bool in_class = false;
  bool quoted = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (quoted) {
      if (c == '\\' && i + 1 < pattern.size() && pattern[i + 1] == 'E') {
        quoted = false;
        out += "\\E";
        ++i;
      } else {
        out += c;
      }
      continue;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      const class_escape e = rewritable_escape(pattern.substr(i), extend_unicode);
      if (e.length > 0 && !(in_class && e.negated)) {
        if (in_class) {
          out += e.members;
        } else {
          out += e.negated ? "[^" : "[";
          out += e.members;
          out += ']';
        }
        i += e.length - 1;
        continue;
      }
      const char n = pattern[++i];
      if (n == 'Q') quoted = true;
      out += '\\';
      out += n;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      const std::size_t close = pattern.find(":]", i + 2);  // a POSIX class such as [:alpha:]
      if (close != std::string_view::npos) {
        out.append(pattern.substr(i, close + 2 - i));
        i = close + 1;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

regex_pattern::regex_pattern(std::string_view pattern, bool extend_unicode) : pattern_(pattern) {
  const std::string translated = translate_oniguruma_classes(pattern, extend_unicode);
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), PCRE2_UTF | PCRE2_UCP,
                        &error, &offset, nullptr);
  if (code_ == nullptr) {
    throw tokenizer_error("regex '" + pattern_ + "': " + pcre2_message(error) + " at offset " + std::to_string(offset) +
                          " of '" + translated + "'");
  }
  jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
}

regex_pattern::~regex_pattern() { pcre2_code_free(code_); }

regex_pattern::regex_pattern(regex_pattern&& other) noexcept
    : code_(other.code_), jit_(other.jit_), pattern_(std::move(other.pattern_)) {
  other.code_ = nullptr;
}

regex_pattern& regex_pattern::operator=(regex_pattern&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(code_);
    code_ = other.code_;
    jit_ = other.jit_;
    pattern_ = std::move(other.pattern_);
    other.code_ = nullptr;
  }
  return *this;
}

bool regex_pattern::run(std::string_view subject, std::size_t start, unsigned options, std::size_t& begin,
                        std::size_t& end) const {
  pcre2_match_data* md = match_data();
  const auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = 0;
  if (jit_ && options == 0) {
    rc = pcre2_jit_match(code_, s, subject.size(), start, 0, md, nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {  // retry with the interpreter and its heap frames
      rc = pcre2_match(code_, s, subject.size(), start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
    }
  } else {
    rc = pcre2_match(code_, s, subject.size(), start, PCRE2_NO_UTF_CHECK | options, md, nullptr);
  }
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) throw tokenizer_error("regex '" + pattern_ + "': " + pcre2_message(rc));
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(md);
  begin = ovector[0];
  end = ovector[1];
  return true;
}

bool regex_pattern::find(std::string_view subject, std::size_t start, std::size_t& begin, std::size_t& end) const {
  return run(subject, start, 0, begin, end);
}

bool regex_pattern::matches_at(std::string_view subject, std::size_t at) const {
  std::size_t begin = 0;
  std::size_t end = 0;
  return run(subject, at, PCRE2_ANCHORED, begin, end);
}

}  // namespace moeserve::model
