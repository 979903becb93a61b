#include "model/tokenizer/bpe_word_merger.hpp"

#include <algorithm>

namespace moeserve::model {

void bpe_word_merger::merge_by_scan(const bpe_merge_table& table, std::vector<token_id>& symbols) {
  // pairs_[i] is the rule for (symbols[i], symbols[i + 1]).
  std::size_t n = symbols.size();
  if (n < 2) return;
  pairs_.resize(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) pairs_[i] = table.find(symbols[i], symbols[i + 1]);
  for (;;) {
    std::size_t best = 0;
    std::int32_t best_rank = bpe_merge_table::no_rank;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      if (pairs_[i].rank < best_rank) {
        best_rank = pairs_[i].rank;
        best = i;
      }
    }
    if (best_rank == bpe_merge_table::no_rank) break;
    //   before: ... s[best-1] s[best] s[best+1] s[best+2] ...
    //   after:  ... s[best-1] M         s[best+2] ...     (pairs best-1 and best renewed)
    symbols[best] = pairs_[best].merged;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    --n;
    if (best + 1 < pairs_.size()) pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    pairs_.resize(n - 1);
    if (best > 0) pairs_[best - 1] = table.find(symbols[best - 1], symbols[best]);
    if (best + 1 < n) pairs_[best] = table.find(symbols[best], symbols[best + 1]);
    if (n < 2) break;
  }
}

void bpe_word_merger::merge_by_heap(const bpe_merge_table& table, std::vector<token_id>& symbols) {
  const auto n = static_cast<std::int32_t>(symbols.size());
  if (n < 2) return;
  nodes_.resize(symbols.size());
  for (std::int32_t i = 0; i < n; ++i) nodes_[i] = {symbols[i], i - 1, i + 1 < n ? i + 1 : -1};
  // A min-heap on (rank, pos): std heap functions build max-heaps, so the order is reversed.
  auto later = [](const candidate& a, const candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  heap_.clear();
  auto push = [&](std::int32_t left, std::int32_t right) {
    const bpe_merge_table::result r = table.find(nodes_[left].id, nodes_[right].id);
    if (r.rank == bpe_merge_table::no_rank) return;
    heap_.push_back({r.rank, left, right, r.merged, nodes_[left].id, nodes_[right].id});
    std::push_heap(heap_.begin(), heap_.end(), later);
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) push(i, i + 1);
  constexpr token_id dead = no_token;
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const candidate c = heap_.back();
    heap_.pop_back();
    node& left = nodes_[c.pos];
    // Skip stale candidates: either side merged away or changed since it was pushed.
    if (left.id != c.left_id || left.next != c.right || nodes_[c.right].id != c.right_id) continue;
    node& right = nodes_[c.right];
    left.id = c.merged;
    left.next = right.next;
    if (right.next >= 0) nodes_[right.next].prev = c.pos;
    right.id = dead;
    if (left.prev >= 0) push(left.prev, c.pos);
    if (left.next >= 0) push(c.pos, left.next);
  }
  symbols.clear();
  for (std::int32_t i = 0; i >= 0; i = nodes_[i].next) symbols.push_back(nodes_[i].id);
}

}  // namespace moeserve::model
