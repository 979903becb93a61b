#pragma once
// UTF-8 for the tokenizers: validation, repair of invalid input, and code point access.
//
// Valid UTF-8 is the Unicode standard's (RFC 3629): shortest forms only, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF.
//
// Repair replaces what is not valid by U+FFFD (EF BF BD), with one of two policies, since
// the decoders we must agree with differ:
//
//   maximal_subpart  one U+FFFD per maximal subpart of an ill-formed sequence, Unicode's
//                    recommended practice (Rust's String::from_utf8_lossy, which Hugging
//                    Face tokenizers' decoders use, and Python's errors="replace")
//   each_byte        one U+FFFD per byte that does not start a valid sequence (SentencePiece)
//
//   bytes E4 B8 41:  maximal_subpart -> U+FFFD 'A'     each_byte -> U+FFFD U+FFFD 'A'
//
// All functions are pure and thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moeserve::model::utf8 {

enum class repair_policy { maximal_subpart, each_byte };

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// True if `bytes` is valid UTF-8 (vectorized; a few GB/s).
bool is_valid(std::string_view bytes) noexcept;

// What the bytes at the start of a (non-empty) buffer are.
enum class sequence_status {
  valid,       // `length` bytes form one character
  invalid,     // `length` bytes (>= 1) are a maximal ill-formed subpart
  incomplete,  // the whole buffer (`length` == its size) is a proper prefix of a character
};
struct sequence_info {
  sequence_status status;
  std::size_t length;
};
sequence_info inspect(std::string_view bytes) noexcept;

// Appends `bytes` to `out` with invalid sequences replaced by U+FFFD and returns how many
// bytes of `bytes` it consumed. With `final` false, an incomplete character at the very end
// is left unconsumed (a streaming caller keeps it and prepends it to the next bytes); with
// `final` true it is replaced like any ill-formed sequence, and everything is consumed.
std::size_t append_repaired(std::string& out, std::string_view bytes, repair_policy policy, bool final);

// `bytes` itself if it is valid, else a repaired copy (maximal_subpart) stored in `storage`.
std::string_view repaired(std::string_view bytes, std::string& storage);

// Decodes the code point at `pos` of valid UTF-8 and moves `pos` past it.
char32_t decode_at(std::string_view valid, std::size_t& pos) noexcept;

// The start of the character that ends at `end` (> 0) in valid UTF-8.
std::size_t previous_boundary(std::string_view valid, std::size_t end) noexcept;

void append_code_point(std::string& out, char32_t cp);

// Unicode's White_Space property (what Rust's char::is_whitespace and Oniguruma's \s test).
bool is_white_space(char32_t cp) noexcept;

}  // namespace moeserve::model::utf8
