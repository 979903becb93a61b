#include "model/io/gguf_value.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <utility>

namespace moeserve::model {
namespace {

constexpr std::array<std::string_view, gguf_type_count> type_names{
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
constexpr std::array<std::size_t, gguf_type_count> type_sizes{1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool is_signed_integer(gguf_type t) {
  return t == gguf_type::i8 || t == gguf_type::i16 || t == gguf_type::i32 || t == gguf_type::i64;
}
bool is_unsigned_integer(gguf_type t) {
  return t == gguf_type::u8 || t == gguf_type::u16 || t == gguf_type::u32 || t == gguf_type::u64;
}

// Reads element `p` of integer type `t` as a (signed) int64 or an unsigned uint64.
std::int64_t load_signed(gguf_type t, const std::byte* p) {
  switch (t) {
    case gguf_type::i8:
      return load<std::int8_t>(p);
    case gguf_type::i16:
      return load<std::int16_t>(p);
    case gguf_type::i32:
      return load<std::int32_t>(p);
    default:
      return load<std::int64_t>(p);
  }
}
std::uint64_t load_unsigned(gguf_type t, const std::byte* p) {
  switch (t) {
    case gguf_type::u8:
      return load<std::uint8_t>(p);
    case gguf_type::u16:
      return load<std::uint16_t>(p);
    case gguf_type::u32:
      return load<std::uint32_t>(p);
    default:
      return load<std::uint64_t>(p);
  }
}

}  // namespace

std::string_view name(gguf_type t) {
  const auto i = static_cast<std::uint32_t>(t);
  return i < gguf_type_count ? type_names[i] : std::string_view("unknown");
}

std::size_t fixed_size(gguf_type t) {
  const auto i = static_cast<std::uint32_t>(t);
  return i < gguf_type_count ? type_sizes[i] : 0;
}

gguf_value::gguf_value(gguf_type type, gguf_type element_type, std::uint64_t count, std::span<const std::byte> raw,
                       std::vector<std::string_view> strings)
    : type_(type),
      element_type_(element_type),
      count_(static_cast<std::size_t>(count)),
      raw_(raw),
      strings_(std::move(strings)) {}

template <gguf_scalar T>
std::optional<T> gguf_value::element(std::size_t i) const {
  const gguf_type t = element_type_;
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (t != gguf_type::string) return std::nullopt;
    return strings_[i];
  } else if constexpr (std::is_same_v<T, bool>) {
    if (t != gguf_type::boolean) return std::nullopt;
    return load<std::uint8_t>(raw_.data() + i) != 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (t == gguf_type::f32) return static_cast<T>(load<float>(raw_.data() + i * 4));
    if (t == gguf_type::f64) return static_cast<T>(load<double>(raw_.data() + i * 8));
    return std::nullopt;
  } else {
    const std::byte* p = raw_.data() + i * fixed_size(t);
    if (is_signed_integer(t)) {
      const std::int64_t v = load_signed(t, p);
      if (!std::in_range<T>(v)) return std::nullopt;
      return static_cast<T>(v);
    }
    if (is_unsigned_integer(t)) {
      const std::uint64_t v = load_unsigned(t, p);
      if (!std::in_range<T>(v)) return std::nullopt;
      return static_cast<T>(v);
    }
    return std::nullopt;
  }
}

template <gguf_scalar T>
std::optional<T> gguf_value::as() const {
  if (is_array()) return std::nullopt;
  return element<T>(0);
}

template <gguf_scalar T>
std::optional<std::vector<T>> gguf_value::array_as() const {
  if (!is_array()) return std::nullopt;
  std::vector<T> out;
  out.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) {
    auto v = element<T>(i);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::string gguf_value::describe() const {
  if (is_array()) return "array of " + std::to_string(count_) + " " + std::string(name(element_type_));
  std::string s(name(type_));
  s += ' ';
  switch (type_) {
    case gguf_type::string: {
      std::string_view v = strings_[0];
      if (v.size() > 40) v = v.substr(0, 40);
      return s + "'" + std::string(v) + (strings_[0].size() > 40 ? "...'" : "'");
    }
    case gguf_type::boolean:
      return s + (*as<bool>() ? "true" : "false");
    case gguf_type::f32:
    case gguf_type::f64: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", *as<double>());
      return s + buf;
    }
    default:
      if (is_signed_integer(type_)) return s + std::to_string(*as<std::int64_t>());
      return s + std::to_string(*as<std::uint64_t>());
  }
}

#define MOESERVE_GGUF_INSTANTIATE(T)                   \
  template std::optional<T> gguf_value::as<T>() const; \
  template std::optional<std::vector<T>> gguf_value::array_as<T>() const;
MOESERVE_GGUF_FOR_EACH_SCALAR(MOESERVE_GGUF_INSTANTIATE)
#undef MOESERVE_GGUF_INSTANTIATE

}  // namespace moeserve::model
