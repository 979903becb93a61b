#pragma once
// Applies BPE merges to the symbols of one pre-token ("word").
//
// The rule, as Hugging Face's BPE applies it: while some adjacent pair of symbols has a
// merge rule, merge the pair of lowest rank, the leftmost one among equals; the merged
// symbol is the rule's token, and its new neighbours' pairs are looked up afresh.
//
//   merges (rank): "l o" 0, "lo w" 1, "e r" 2, "low er" 3
//   l o w e r -> lo w e r -> low e r -> low er -> lower
//
// Two implementations of the same rule: for short words a scan over an array of pair ranks
// (cache-friendly, no heap), for long ones (runs of whitespace, long identifiers) a linked
// list and a binary min-heap of (rank, position), O(n log n). merge() picks by length.
//
// Thread-safety: an instance holds scratch buffers; use one per thread.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/tokenizer/bpe_merge_table.hpp"

namespace moeserve::model {

class bpe_word_merger {
 public:
  static constexpr std::size_t small_word_limit = 40;  // symbols; beyond it, the heap

  // Merges `symbols` (the word's initial token ids) in place.
  void merge(const bpe_merge_table& table, std::vector<token_id>& symbols) {
    if (symbols.size() < 2) return;
    if (symbols.size() <= small_word_limit) {
      merge_by_scan(table, symbols);
    } else {
      merge_by_heap(table, symbols);
    }
  }

  // The two implementations, public so tests can check that they agree.
  void merge_by_scan(const bpe_merge_table& table, std::vector<token_id>& symbols);
  void merge_by_heap(const bpe_merge_table& table, std::vector<token_id>& symbols);

 private:
  struct node {
    token_id id;
    std::int32_t prev;
    std::int32_t next;
  };
  struct candidate {
    std::int32_t rank;
    std::int32_t pos;  // the left symbol's original index
    std::int32_t right;
    token_id merged;
    token_id left_id;
    token_id right_id;
  };

  std::vector<bpe_merge_table::result> pairs_;
  std::vector<node> nodes_;
  std::vector<candidate> heap_;
};

}  // namespace moeserve::model
