#pragma once
// gguf_value: one metadata value of a GGUF file (a scalar, a string, or an array).
//
// GGUF value types (the numeric ids are the file format's):
//   0 u8   1 i8   2 u16  3 i16  4 u32  5 i32  6 f32  7 bool  8 string  9 array
//   10 u64 11 i64 12 f64
// An array holds `size()` elements of one non-array element type (nested arrays are
// rejected by the reader). Numeric data stays in the mapped file (possibly unaligned; read
// with memcpy); strings are views into the file.
//
// Conversions (as<T>, array_as<T>) are strict about kinds and lenient about widths:
//   - integer T accepts any integer type whose value fits T (u8 7 reads as u32 7;
//     i32 -1 does not read as u32);
//   - float accepts f32 and f64 (rounded), double accepts f32 and f64;
//   - bool accepts bool; std::string_view accepts string.
// Anything else is nullopt; gguf_file turns that into a load_error naming the key.
//
// Threading: immutable; valid while the gguf_file that made it lives.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace moeserve::model {

enum class gguf_type : std::uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};

inline constexpr std::uint32_t gguf_type_count = 13;

std::string_view name(gguf_type t);  // "u8", ..., "bool", "string", "array", ..., "f64"

// Bytes of one value of a fixed-size type; 0 for string and array.
std::size_t fixed_size(gguf_type t);

// Calls X(T) for every scalar type the accessors convert to (used to instantiate the
// accessor templates in gguf_value.cpp and gguf_file.cpp; keep in step with gguf_scalar).
#define MOESERVE_GGUF_FOR_EACH_SCALAR(X)                                                                            \
  X(std::uint8_t)                                                                                                   \
  X(std::int8_t) X(std::uint16_t) X(std::int16_t) X(std::uint32_t) X(std::int32_t) X(std::uint64_t) X(std::int64_t) \
      X(float) X(double) X(bool) X(std::string_view)

template <class T>
concept gguf_scalar =
    std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint16_t> ||
    std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, float> ||
    std::is_same_v<T, double> || std::is_same_v<T, bool> || std::is_same_v<T, std::string_view>;

class gguf_value {
 public:
  // Made by the reader, which has checked that `raw` holds count * fixed_size(element)
  // bytes (bool bytes 0 or 1) or that `strings` holds count strings.
  gguf_value(gguf_type type, gguf_type element_type, std::uint64_t count, std::span<const std::byte> raw,
             std::vector<std::string_view> strings);

  gguf_type type() const { return type_; }
  // The element type of an array; the type itself for a scalar.
  gguf_type element_type() const { return element_type_; }
  bool is_array() const { return type_ == gguf_type::array; }
  // Elements of an array; 1 for a scalar.
  std::size_t size() const { return count_; }

  // The scalar as T (see the conversion rules above); nullopt for arrays.
  template <gguf_scalar T>
  std::optional<T> as() const;

  // Every element of an array as T; nullopt when this is not an array, or when any
  // element does not convert. For strings prefer strings(), which does not copy.
  template <gguf_scalar T>
  std::optional<std::vector<T>> array_as() const;

  // The strings of a string array (or of a string scalar, as one element); empty for
  // other types. Views into the file.
  std::span<const std::string_view> strings() const { return strings_; }

  // For messages: "u32 30", "string 'llama'", "array of 49152 string".
  std::string describe() const;

 private:
  template <gguf_scalar T>
  std::optional<T> element(std::size_t i) const;

  gguf_type type_;
  gguf_type element_type_;
  std::size_t count_;
  std::span<const std::byte> raw_;
  std::vector<std::string_view> strings_;
};

}  // namespace moeserve::model
