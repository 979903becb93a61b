#pragma once
// UTF-8 helpers with Python str semantics, for the chat-template interpreter.
//
// Python strings are sequences of code points; the interpreter keeps UTF-8 bytes and uses
// these helpers wherever Python counts, indexes or classifies characters (len, slicing,
// strip, split, upper, ...). Invalid UTF-8 never causes undefined behaviour: each byte of an
// invalid sequence decodes as one code point U+DC80..U+DCFF (Python's "surrogateescape")
// and encodes back to the same byte, so byte strings round-trip unchanged.
//
// Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and Coptic, Cyrillic and
// the fullwidth Latin letters, exactly as Python's str methods there (full mappings such
// as "ß".upper() == "SS", final sigma); characters of other scripts (Latin Extended-B,
// Armenian, Georgian, ...) are left unchanged, where Python would map some of them.
// Whitespace (str.isspace) and line boundaries (str.splitlines) are Python's exact sets.
// Printability (str.isprintable, used by repr) is exact for Latin-1 and approximate beyond
// it: format, separator and private-use characters are escaped, unassigned ones are not.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model::jinja {

// Decodes the code point starting at s[pos] and advances pos past it; pos < s.size().
char32_t utf8_decode(std::string_view s, std::size_t& pos);
// Appends cp encoded as UTF-8 (U+DC80..U+DCFF as the single escaped byte).
void utf8_append(std::string& out, char32_t cp);
// Number of code points in s.
std::size_t utf8_length(std::string_view s);
// Byte offset of every code point of s, followed by s.size(): utf8_length(s) + 1 entries.
std::vector<std::size_t> utf8_offsets(std::string_view s);
// True when s is valid UTF-8 (no surrogates, no overlong forms, at most U+10FFFF).
bool utf8_valid(std::string_view s);

bool py_isspace(char32_t cp);       // str.isspace
bool py_is_linebreak(char32_t cp);  // a boundary of str.splitlines
bool py_isprintable(char32_t cp);   // str.isprintable (see the header comment)
bool py_isdigit(char32_t cp);       // ASCII, superscript, Arabic-Indic, Devanagari, fullwidth
bool py_isalpha(char32_t cp);       // letters of the covered scripts, Hebrew, Arabic,
                                    // Devanagari, Thai, kana, Hangul and CJK ideographs
bool py_iscased(char32_t cp);       // has an upper or lower case form (covered scripts)
bool py_isupper_char(char32_t cp);
bool py_islower_char(char32_t cp);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);
std::string py_capitalize(std::string_view s);

// Python str predicates over whole strings (false on the empty string).
bool py_str_isspace(std::string_view s);
bool py_str_isdigit(std::string_view s);
bool py_str_isalpha(std::string_view s);
bool py_str_isalnum(std::string_view s);
bool py_str_isupper(std::string_view s);
bool py_str_islower(std::string_view s);

}  // namespace moeserve::model::jinja
