#pragma once
// The letters and numbers that Unicode 15 and 16 added, which PCRE2 10.42 (Unicode 14) does
// not know as \p{L} / \p{N} and Hugging Face's Oniguruma (tokenizers 0.23.3) does.
//
// Found by splitting every code point with HF's Split(Regex("\p{L}")) and
// Split(Regex("\p{N}")) and comparing with Unicode 14 (Python 3.11's unicodedata, the same
// tables as PCRE2 10.42): 9272 letters in 35 ranges, 120 numbers in 10 ranges; nothing of
// Unicode 14 is missing from Oniguruma's sets.
//
// regex_pattern adds them to \p{L} and \p{N} when asked to (extend_unicode). The
// pre-tokenizer does something faster: long character classes slow PCRE2 down, so it runs
// the plain patterns on a shadow copy of the text in which each of these characters is
// replaced by a Unicode 14 character of the same class and the same UTF-8 length, and cuts
// the real text where the shadow was cut:
//
//   letter, 3 bytes -> U+4E00 '一'   letter, 4 bytes -> U+20000 '𠀀'   (both Lo)
//   number, 3 bytes -> U+2460 '①'    number, 4 bytes -> U+1D7CE '𝟎'   (No, Nd)
//
// The patterns we run look only at \s, \p{L}, \p{N} and ASCII, so the cuts are the same.

#include <string>
#include <string_view>

namespace moeserve::model::unicode_additions {

// Members for a regex character class: "\x{1C89}-\x{1C8A}\x{A7CB}-..." (no brackets).
std::string_view letter_members();
std::string_view number_members();

// Whether valid UTF-8 `text` contains one of these code points. Fast: only the lead bytes
// E1, EA and F0 (where they all are) are looked at.
bool contains_recent_letters_or_numbers(std::string_view text) noexcept;

// If valid UTF-8 `text` contains such code points, writes the shadow copy (see above) to
// `shadow` and returns true; else returns false and leaves `shadow` alone.
bool make_shadow(std::string_view text, std::string& shadow);

}  // namespace moeserve::model::unicode_additions
