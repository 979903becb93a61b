#include "model/tokenizer/bpe_merge_table.hpp"

#include <cassert>

namespace moeserve::model {

void bpe_merge_table::reserve(std::size_t count) {
  unsigned bits = 1;
  while ((std::size_t{1} << bits) < 2 * count + 2) ++bits;
  slots_.assign(std::size_t{1} << bits, slot{});
  mask_ = slots_.size() - 1;
  shift_ = 64 - bits;
  size_ = 0;
}

void bpe_merge_table::insert(token_id left, token_id right, std::int32_t rank, token_id merged) {
  assert(left >= 0 && right >= 0);
  if (2 * (size_ + 1) > slots_.size()) {  // keep it at most half full
    std::vector<slot> old;
    old.swap(slots_);
    reserve(2 * old.size());
    for (const slot& s : old) {
      if (s.key != empty_key) {
        insert(static_cast<token_id>(s.key >> 32), static_cast<token_id>(s.key & 0xFFFFFFFFu), s.rank, s.merged);
      }
    }
  }
  const std::uint64_t key = make_key(left, right);
  std::size_t i = index_of(key);
  while (slots_[i].key != empty_key && slots_[i].key != key) i = (i + 1) & mask_;
  if (slots_[i].key == empty_key) ++size_;
  slots_[i] = {key, rank, merged};
}

}  // namespace moeserve::model
