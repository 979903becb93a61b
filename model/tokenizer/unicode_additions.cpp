#include "model/tokenizer/unicode_additions.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "model/tokenizer/utf8.hpp"

namespace moeserve::model::unicode_additions {
namespace {

struct range {
  char32_t first;
  char32_t last;
};

constexpr std::array<range, 35> letters{{
    {0x1C89, 0x1C8A},   {0xA7CB, 0xA7CD},   {0xA7DA, 0xA7DC},   {0x105C0, 0x105F3}, {0x10D4A, 0x10D65},
    {0x10D6F, 0x10D85}, {0x10EC2, 0x10EC4}, {0x1123F, 0x11240}, {0x11380, 0x11389}, {0x1138B, 0x1138B},
    {0x1138E, 0x1138E}, {0x11390, 0x113B5}, {0x113B7, 0x113B7}, {0x113D1, 0x113D1}, {0x113D3, 0x113D3},
    {0x11BC0, 0x11BE0}, {0x11F02, 0x11F02}, {0x11F04, 0x11F10}, {0x11F12, 0x11F33}, {0x1342F, 0x1342F},
    {0x13441, 0x13446}, {0x13460, 0x143FA}, {0x16100, 0x1611D}, {0x16D40, 0x16D6C}, {0x18CFF, 0x18CFF},
    {0x1B132, 0x1B132}, {0x1B155, 0x1B155}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D}, {0x1E4D0, 0x1E4EB},
    {0x1E5D0, 0x1E5ED}, {0x1E5F0, 0x1E5F0}, {0x2B739, 0x2B739}, {0x2EBF0, 0x2EE5D}, {0x31350, 0x323AF},
}};

constexpr std::array<range, 10> numbers{{
    {0x10D40, 0x10D49},
    {0x116D0, 0x116E3},
    {0x11BF0, 0x11BF9},
    {0x11F50, 0x11F59},
    {0x16130, 0x16139},
    {0x16D70, 0x16D79},
    {0x1CCF0, 0x1CCF9},
    {0x1D2C0, 0x1D2D3},
    {0x1E4F0, 0x1E4F9},
    {0x1E5F1, 0x1E5FA},
}};

// Both lists merged and sorted by first code point, for the search.
constexpr std::array<range, 45> all = [] {
  std::array<range, 45> out{};
  std::size_t k = 0;
  for (const range& r : letters) out[k++] = r;
  for (const range& r : numbers) out[k++] = r;
  std::sort(out.begin(), out.end(), [](const range& a, const range& b) { return a.first < b.first; });
  return out;
}();

template <std::size_t N>
std::string members(const std::array<range, N>& ranges) {
  std::string out;
  char buf[32];
  for (const range& r : ranges) {
    if (r.first == r.last) {
      std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(r.first));
    } else {
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", static_cast<unsigned>(r.first), static_cast<unsigned>(r.last));
    }
    out += buf;
  }
  return out;
}

bool in(const range* begin, const range* end, char32_t cp) noexcept {
  const range* it = std::upper_bound(begin, end, cp, [](char32_t c, const range& r) { return c < r.first; });
  return it != begin && cp <= std::prev(it)->last;
}

bool is_recent(char32_t cp) noexcept { return in(all.data(), all.data() + all.size(), cp); }
bool is_recent_number(char32_t cp) noexcept { return in(numbers.data(), numbers.data() + numbers.size(), cp); }

static_assert(all[0].first >= 0x800, "every addition takes 3 or 4 bytes, as its placeholder does");

}  // namespace

std::string_view letter_members() {
  static const std::string text = members(letters);
  return text;
}

std::string_view number_members() {
  static const std::string text = members(numbers);
  return text;
}

bool contains_recent_letters_or_numbers(std::string_view text) noexcept {
  // The ranges start at U+1C89 (lead byte E1), U+A7CB (EA) and U+105C0 (F0): only code
  // points behind those lead bytes can be one of them.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char b = p[i];
    if (b != 0xE1 && b != 0xEA && b != 0xF0) continue;
    std::size_t pos = i;
    if (is_recent(utf8::decode_at(text, pos))) return true;
    i = pos - 1;
  }
  return false;
}

bool make_shadow(std::string_view text, std::string& shadow) {
  if (!contains_recent_letters_or_numbers(text)) return false;
  shadow.assign(text);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char b = p[i];
    if (b != 0xE1 && b != 0xEA && b != 0xF0) continue;
    std::size_t pos = i;
    const char32_t cp = utf8::decode_at(text, pos);
    if (is_recent(cp)) {
      const bool number = is_recent_number(cp);
      const std::string_view placeholder = pos - i == 3 ? (number ? "\xE2\x91\xA0" : "\xE4\xB8\x80")
                                                        : (number ? "\xF0\x9D\x9F\x8E" : "\xF0\xA0\x80\x80");
      shadow.replace(i, placeholder.size(), placeholder);
    }
    i = pos - 1;
  }
  return true;
}

}  // namespace moeserve::model::unicode_additions
