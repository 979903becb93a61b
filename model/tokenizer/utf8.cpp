#include "model/tokenizer/utf8.hpp"

#include <simdjson.h>

namespace moeserve::model::utf8 {

bool is_valid(std::string_view bytes) noexcept { return simdjson::validate_utf8(bytes.data(), bytes.size()); }

sequence_info inspect(std::string_view bytes) noexcept {
  const auto b0 = static_cast<std::uint8_t>(bytes[0]);
  if (b0 < 0x80) return {sequence_status::valid, 1};
  std::size_t need = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (b0 < 0xC2) {
    return {sequence_status::invalid, 1};  // a continuation byte, or C0/C1 (overlong)
  } else if (b0 < 0xE0) {
    need = 2;
  } else if (b0 < 0xF0) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 < 0xF5) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong 4-byte forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {sequence_status::invalid, 1};
  }
  for (std::size_t i = 1; i < need; ++i) {
    if (i >= bytes.size()) return {sequence_status::incomplete, bytes.size()};
    const auto c = static_cast<std::uint8_t>(bytes[i]);
    const std::uint8_t l = i == 1 ? lo : 0x80;
    const std::uint8_t h = i == 1 ? hi : 0xBF;
    if (c < l || c > h) return {sequence_status::invalid, i};
  }
  return {sequence_status::valid, need};
}

std::size_t append_repaired(std::string& out, std::string_view bytes, repair_policy policy, bool final) {
  std::size_t pos = 0;
  std::size_t run = 0;  // start of the pending run of valid bytes
  while (pos < bytes.size()) {
    if (static_cast<std::uint8_t>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const sequence_info info = inspect(bytes.substr(pos));
    if (info.status == sequence_status::valid) {
      pos += info.length;
      continue;
    }
    out.append(bytes.substr(run, pos - run));
    if (info.status == sequence_status::incomplete && !final) return pos;
    if (policy == repair_policy::each_byte) {
      out.append(replacement_character);
      pos += 1;
    } else {
      out.append(replacement_character);
      pos += info.length;
    }
    run = pos;
  }
  out.append(bytes.substr(run, pos - run));
  return pos;
}

std::string_view repaired(std::string_view bytes, std::string& storage) {
  if (is_valid(bytes)) return bytes;
  storage.clear();
  storage.reserve(bytes.size() + 16);
  append_repaired(storage, bytes, repair_policy::maximal_subpart, true);
  return storage;
}

char32_t decode_at(std::string_view valid, std::size_t& pos) noexcept {
  const auto b0 = static_cast<std::uint8_t>(valid[pos]);
  auto cont = [&](std::size_t i) { return static_cast<char32_t>(static_cast<std::uint8_t>(valid[pos + i]) & 0x3F); };
  char32_t cp = 0;
  if (b0 < 0x80) {
    cp = b0;
    pos += 1;
  } else if (b0 < 0xE0) {
    cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
    pos += 2;
  } else if (b0 < 0xF0) {
    cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    pos += 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    pos += 4;
  }
  return cp;
}

std::size_t previous_boundary(std::string_view valid, std::size_t end) noexcept {
  std::size_t pos = end - 1;
  while (pos > 0 && (static_cast<std::uint8_t>(valid[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_white_space(char32_t cp) noexcept {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85) return false;
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace moeserve::model::utf8
