#include "model/tokenizer/byte_level.hpp"

#include <array>

#include "model/tokenizer/utf8.hpp"

namespace moeserve::model::byte_level {
namespace {

constexpr bool maps_to_itself(unsigned b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

struct tables {
  std::array<char32_t, 256> to_cp{};
  std::array<std::int16_t, 324> to_byte{};  // code points 0 .. 0x143
};

constexpr tables make_tables() {
  tables t;
  for (auto& b : t.to_byte) b = -1;
  unsigned next = 0x100;
  for (unsigned b = 0; b < 256; ++b) {
    const char32_t cp = maps_to_itself(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
    t.to_cp[b] = cp;
    t.to_byte[cp] = static_cast<std::int16_t>(b);
  }
  return t;
}

constexpr tables table = make_tables();
static_assert(table.to_cp[' '] == 0x120 && table.to_cp['\n'] == 0x10A && table.to_cp[0xAD] == 0x143);

}  // namespace

char32_t byte_to_code_point(std::uint8_t byte) noexcept { return table.to_cp[byte]; }

int code_point_to_byte(char32_t cp) noexcept { return cp < table.to_byte.size() ? table.to_byte[cp] : -1; }

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) utf8::append_code_point(out, table.to_cp[static_cast<std::uint8_t>(c)]);
  return out;
}

std::optional<std::string> decode(std::string_view spelling) {
  if (!utf8::is_valid(spelling)) return std::nullopt;
  std::string out;
  out.reserve(spelling.size());
  std::size_t pos = 0;
  while (pos < spelling.size()) {
    const int b = code_point_to_byte(utf8::decode_at(spelling, pos));
    if (b < 0) return std::nullopt;
    out.push_back(static_cast<char>(b));
  }
  return out;
}

}  // namespace moeserve::model::byte_level
