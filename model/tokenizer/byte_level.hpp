#pragma once
// GPT-2's byte-level alphabet: a reversible map from the 256 byte values to 256 printable
// code points, so that a vocabulary of byte strings can be written as text.
//
//   bytes '!'..'~', 0xA1..0xAC, 0xAE..0xFF  ->  the code point of the same value
//   the other 68 bytes (0x00..0x20, 0x7F..0xA0, 0xAD), in increasing order -> U+0100, U+0101, ...
//
//   so ' ' (0x20) -> U+0120 'Ġ', '\n' (0x0A) -> U+010A 'Ċ', and " the" is written "Ġthe".
//
// Tokenizers here work on raw bytes; the map is used only to read and write vocabularies.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moeserve::model::byte_level {

char32_t byte_to_code_point(std::uint8_t byte) noexcept;

// The byte a code point stands for, or -1 if it is not one of the 256.
int code_point_to_byte(char32_t cp) noexcept;

// Bytes -> their byte-level spelling (valid UTF-8).
std::string encode(std::string_view bytes);

// A byte-level spelling (valid UTF-8) -> the bytes; nullopt if a character is not one of the
// 256 (such a token, e.g. an added "<|im_end|>" holding only mapped characters is fine, but
// "hello world" with a plain space is not a byte-level spelling).
std::optional<std::string> decode(std::string_view spelling);

}  // namespace moeserve::model::byte_level
