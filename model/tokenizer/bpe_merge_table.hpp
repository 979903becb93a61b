#pragma once
// The merge rules of a BPE vocabulary as a flat open-addressing hash table:
//
//   (left id, right id) -> (rank, merged id),   key = left << 32 | right   (one 64-bit word)
//
// Linear probing in a power-of-two array at most half full; a lookup is one multiply, one
// shift and (nearly always) one cache line. Lower rank = applied first.
//
// Thread-safety: build single-threaded, then any number of threads may call find().

#include <cstdint>
#include <vector>

#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

class bpe_merge_table {
 public:
  static constexpr std::int32_t no_rank = INT32_MAX;

  struct result {
    std::int32_t rank = no_rank;  // no_rank: the pair does not merge
    token_id merged = no_token;
  };

  // Sizes the table for `count` rules (call before inserting; clears it).
  void reserve(std::size_t count);

  // Adds a rule (ids >= 0); a pair already present takes the new rank and merged id.
  void insert(token_id left, token_id right, std::int32_t rank, token_id merged);

  result find(token_id left, token_id right) const noexcept {
    const std::uint64_t key = make_key(left, right);
    std::size_t i = index_of(key);
    for (;;) {
      const slot& s = slots_[i];
      if (s.key == key) return {s.rank, s.merged};
      if (s.key == empty_key) return {};
      i = (i + 1) & mask_;
    }
  }

  std::size_t size() const noexcept { return size_; }

 private:
  static constexpr std::uint64_t empty_key = ~std::uint64_t{0};

  struct slot {
    std::uint64_t key = empty_key;
    std::int32_t rank = no_rank;
    token_id merged = no_token;
  };

  static std::uint64_t make_key(token_id left, token_id right) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
  }
  std::size_t index_of(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  std::vector<slot> slots_ = std::vector<slot>(2);
  std::size_t mask_ = 1;
  unsigned shift_ = 63;
  std::size_t size_ = 0;
};

}  // namespace moeserve::model
