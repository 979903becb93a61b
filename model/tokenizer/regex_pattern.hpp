#pragma once
// A compiled PCRE2 regular expression for pre-tokenization: UTF-8 with Unicode properties
// (PCRE2_UTF | PCRE2_UCP), JIT-compiled where the platform allows.
//
// The patterns come from Hugging Face tokenizers, whose regex engine is Oniguruma. The two
// agree on the syntax these patterns use; where they differ in meaning, the pattern is
// rewritten when compiled (translate_oniguruma_classes) so that it matches what HF matches:
//   - PCRE2 10.42's \s also matches U+180E (MONGOLIAN VOWEL SEPARATOR, no longer White_Space
//     since Unicode 6.3); Oniguruma's is exactly White_Space;
//   - PCRE2 10.42 knows Unicode 14; Oniguruma in tokenizers 0.23.3 knows the letters and
//     numbers of Unicode 15 and 16 too, which are added to \p{L} and \p{N}
//     (unicode_additions.hpp; `extend_unicode` false leaves them out, for texts without them).
// With this, our pre-tokenization agrees with HF's on every code point (checked against
// tokenizers 0.23.3 over all of them, in every character class these patterns use).
//
// Thread-safety: a regex_pattern is immutable after construction and find() may be called
// from any number of threads at once (each thread has its own match data).

#include <cstddef>
#include <string>
#include <string_view>

struct pcre2_real_code_8;

namespace moeserve::model {

class regex_pattern {
 public:
  // Compiles `pattern` (after translate_oniguruma_classes); throws tokenizer_error with the
  // PCRE2 message and offset if it does not compile.
  explicit regex_pattern(std::string_view pattern, bool extend_unicode = true);
  ~regex_pattern();
  regex_pattern(regex_pattern&& other) noexcept;
  regex_pattern& operator=(regex_pattern&& other) noexcept;
  regex_pattern(const regex_pattern&) = delete;
  regex_pattern& operator=(const regex_pattern&) = delete;

  // Finds the leftmost match in `subject` (valid UTF-8; not re-checked) starting at or after
  // byte `start` (a character boundary). Returns false if there is none, else sets
  // [begin, end). Lookarounds see only `subject`, never what lies beyond it. Throws
  // tokenizer_error if PCRE2 fails (a resource limit), which these patterns never reach.
  bool find(std::string_view subject, std::size_t start, std::size_t& begin, std::size_t& end) const;

  // Whether the pattern matches at exactly byte `at` of `subject` (an anchored match).
  bool matches_at(std::string_view subject, std::size_t at) const;

  const std::string& pattern() const noexcept { return pattern_; }

 private:
  bool run(std::string_view subject, std::size_t start, unsigned options, std::size_t& begin, std::size_t& end) const;

  pcre2_real_code_8* code_ = nullptr;
  bool jit_ = false;
  std::string pattern_;
};

// Rewrites the escapes whose meaning differs between Oniguruma and PCRE2 10.42 into
// explicit sets, outside and inside character classes:
//   \s      -> [\t-\r\x20\x85\xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]
//   \S      -> the same set, negated
//   \p{L}   -> [\p{L}<letters of Unicode 15-16>]     \P{L}: negated  (with extend_unicode)
//   \p{N}   -> [\p{N}<numbers of Unicode 15-16>]     \P{N}: negated  (with extend_unicode)
//   [^\s\p{L}\p{N}] -> [^<the three sets' members>]
// A negated escape inside a class (\S, \P{L} within [...]) is left as is; no pattern we
// know uses one. Escaped backslashes (\\s is a backslash and an 's') and \Q...\E quoting
// are respected.
std::string translate_oniguruma_classes(std::string_view pattern, bool extend_unicode = true);

}  // namespace moeserve::model
