#include "model/tokenizer/word_cache.hpp"

#include <algorithm>
#include <cstring>

namespace moeserve::model {
namespace {

constexpr std::size_t initial_slots = 1024;

inline std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline std::uint64_t load32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline std::uint64_t mix(std::uint64_t h, std::uint64_t k) noexcept {
  h *= k;
  return h ^ (h >> 29);
}

}  // namespace

word_cache::word_cache(std::size_t max_entries, std::size_t max_arena_bytes)
    : max_arena_units_(max_arena_bytes / sizeof(token_id)) {
  std::size_t n = 16;
  while (n < max_entries) n <<= 1;
  max_entries_ = n;
  slots_.resize(std::min(initial_slots, 2 * n));
  mask_ = slots_.size() - 1;
}

// Short words (nearly all) take fixed loads with no loop: 1-3 bytes, 4-8 (two overlapping
// 4-byte loads), 9-16 (two overlapping 8-byte loads); longer ones 8 bytes at a time.
std::uint64_t word_cache::hash(std::string_view word) noexcept {
  constexpr std::uint64_t k0 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t k1 = 0xC2B2AE3D27D4EB4Full;
  const char* p = word.data();
  const std::size_t n = word.size();
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n <= 3) {
    if (n > 0) {
      a = (static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
          (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
  } else if (n <= 8) {
    a = load32(p);
    b = load32(p + n - 4);
  } else if (n <= 16) {
    a = load64(p);
    b = load64(p + n - 8);
  } else {
    std::uint64_t h = k1;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) h = mix(h ^ load64(p + i), k0);
    a = h;
    b = load64(p + n - 8);
  }
  return mix(mix(a ^ k1 ^ n, k0) ^ b, k1);
}

std::span<const token_id> word_cache::find(std::string_view word, std::uint64_t h) const noexcept {
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  std::size_t i = static_cast<std::size_t>(h) & mask_;
  for (;;) {
    const slot& s = slots_[i];
    if (s.word_size == 0) return {};
    if (s.tag == tag && s.word_size == word.size() &&
        std::memcmp(arena_.data() + s.offset, word.data(), word.size()) == 0) {
      const std::size_t word_units = (s.word_size + sizeof(token_id) - 1) / sizeof(token_id);
      return {arena_.data() + s.offset + word_units, s.ids_size};
    }
    i = (i + 1) & mask_;
  }
}

void word_cache::grow() {
  std::vector<slot> old(2 * slots_.size());
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const slot& s : old) {
    if (s.word_size == 0) continue;
    // Rehash from the stored word; its full hash is not kept.
    const std::string_view w(reinterpret_cast<const char*>(arena_.data() + s.offset), s.word_size);
    std::size_t i = static_cast<std::size_t>(hash(w)) & mask_;
    while (slots_[i].word_size != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void word_cache::insert(std::string_view word, std::uint64_t h, std::span<const token_id> ids) {
  if (word.empty() || word.size() > max_word_size || ids.empty() || ids.size() > 0xFFFF) return;
  const std::size_t word_units = (word.size() + sizeof(token_id) - 1) / sizeof(token_id);
  if (size_ >= max_entries_ || arena_.size() + word_units + ids.size() > max_arena_units_) clear();
  if (2 * (size_ + 1) > slots_.size()) grow();
  const auto offset = static_cast<std::uint32_t>(arena_.size());
  arena_.resize(arena_.size() + word_units + ids.size());
  std::memcpy(arena_.data() + offset, word.data(), word.size());
  std::copy(ids.begin(), ids.end(), arena_.begin() + offset + static_cast<std::ptrdiff_t>(word_units));
  std::size_t i = static_cast<std::size_t>(h) & mask_;
  while (slots_[i].word_size != 0) i = (i + 1) & mask_;
  slots_[i] = {static_cast<std::uint32_t>(h >> 32), offset, static_cast<std::uint16_t>(word.size()),
               static_cast<std::uint16_t>(ids.size())};
  ++size_;
}

void word_cache::clear() noexcept {
  if (size_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), slot{});
  arena_.clear();
  size_ = 0;
}

}  // namespace moeserve::model
