#pragma once
// A cache from a pre-token's bytes to its BPE ids, so a word seen before costs one hash, one
// probe and one compare instead of a merge loop.
//
// Open addressing (linear probing, at most half full) over one arena of 32-bit units that
// holds each entry's word bytes followed by its ids, so a hit touches two cache lines: the
// 12-byte slot and the entry. No allocation per entry; the table starts small and doubles.
//
//   slot: tag (high 32 bits of the hash) | entry offset | word bytes | id count
//   arena at offset: [word bytes, padded to 4][id][id]...
//
// When it reaches its entry limit or its arena its byte limit, it is cleared and refilled
// (the words of a language are few and come back quickly).
//
// Thread-safety: none; bpe_tokenizer keeps one per thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

class word_cache {
 public:
  static constexpr std::size_t max_word_size = 0xFFFF;

  // `max_entries` is rounded up to a power of two; `max_arena_bytes` bounds the arena.
  explicit word_cache(std::size_t max_entries = 1 << 16, std::size_t max_arena_bytes = 8 << 20);

  static std::uint64_t hash(std::string_view word) noexcept;

  // The ids cached for `word` (whose hash is `h`), or an empty span; valid until the next
  // insert() or clear().
  std::span<const token_id> find(std::string_view word, std::uint64_t h) const noexcept;
  std::span<const token_id> find(std::string_view word) const noexcept { return find(word, hash(word)); }

  // Caches `ids` (non-empty) for `word` (not present, non-empty, at most max_word_size).
  void insert(std::string_view word, std::uint64_t h, std::span<const token_id> ids);
  void insert(std::string_view word, std::span<const token_id> ids) { insert(word, hash(word), ids); }

  void clear() noexcept;
  std::size_t size() const noexcept { return size_; }

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t offset = 0;
    std::uint16_t word_size = 0;  // 0: empty
    std::uint16_t ids_size = 0;
  };

  void grow();

  std::vector<slot> slots_;
  std::vector<token_id> arena_;
  std::size_t mask_;
  std::size_t max_entries_;
  std::size_t max_arena_units_;
  std::size_t size_ = 0;
};

}  // namespace moeserve::model
