#include <gtest/gtest.h>

#include <random>

#include "model/tokenizer/bpe_merge_table.hpp"
#include "model/tokenizer/bpe_word_merger.hpp"

namespace moeserve::model {
namespace {

TEST(BpeMergeTable, FindsRulesByPairAndTheLastDuplicateWins) {
  bpe_merge_table t;
  t.reserve(2);
  t.insert(1, 2, 0, 10);
  t.insert(2, 1, 1, 11);
  EXPECT_EQ(t.find(1, 2).merged, 10);
  EXPECT_EQ(t.find(2, 1).rank, 1);
  EXPECT_EQ(t.find(1, 1).rank, bpe_merge_table::no_rank);
  t.insert(1, 2, 5, 12);  // listed twice: the later rank counts, as in HF
  EXPECT_EQ(t.find(1, 2).rank, 5);
  EXPECT_EQ(t.find(1, 2).merged, 12);
  EXPECT_EQ(t.size(), 2u);
}

TEST(BpeMergeTable, GrowsPastItsReservation) {
  bpe_merge_table t;
  for (token_id i = 0; i < 5000; ++i) t.insert(i, i + 1, i, i + 100000);
  for (token_id i = 0; i < 5000; ++i) ASSERT_EQ(t.find(i, i + 1).merged, i + 100000);
  EXPECT_EQ(t.find(5000, 5001).rank, bpe_merge_table::no_rank);
}

// l=0 o=1 w=2 e=3 r=4; "l o"->5 (0), "lo w"->6 (1), "e r"->7 (2), "low er"->8 (3)
bpe_merge_table lower_table() {
  bpe_merge_table t;
  t.insert(0, 1, 0, 5);
  t.insert(5, 2, 1, 6);
  t.insert(3, 4, 2, 7);
  t.insert(6, 7, 3, 8);
  return t;
}

TEST(BpeWordMerger, AppliesTheLowestRankFirst) {
  const bpe_merge_table t = lower_table();
  bpe_word_merger m;
  std::vector<token_id> word{0, 1, 2, 3, 4};
  m.merge_by_scan(t, word);
  EXPECT_EQ(word, std::vector<token_id>{8});
  word = {0, 1, 2, 3, 4};
  m.merge_by_heap(t, word);
  EXPECT_EQ(word, std::vector<token_id>{8});
  word = {3, 4, 0, 1};  // "erlo" -> er lo
  m.merge(t, word);
  EXPECT_EQ(word, (std::vector<token_id>{7, 5}));
}

TEST(BpeWordMerger, AmongEqualRanksTheLeftmostPairMergesFirst) {
  bpe_merge_table t;
  t.insert(0, 0, 0, 1);  // "a a" -> "aa"
  bpe_word_merger m;
  std::vector<token_id> word{0, 0, 0};
  m.merge_by_scan(t, word);
  EXPECT_EQ(word, (std::vector<token_id>{1, 0}));
  word = {0, 0, 0};
  m.merge_by_heap(t, word);
  EXPECT_EQ(word, (std::vector<token_id>{1, 0}));
}

TEST(BpeWordMerger, ScanAndHeapAgreeOnRandomRulesAndWords) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    // Rules over a growing alphabet: each merge makes a new id.
    bpe_merge_table t;
    token_id next = 8;
    std::vector<std::pair<token_id, token_id>> pairs;
    for (int r = 0; r < 300; ++r) {
      std::uniform_int_distribution<token_id> pick(0, next - 1);
      const token_id a = pick(rng);
      const token_id b = pick(rng);
      if (t.find(a, b).rank != bpe_merge_table::no_rank) continue;
      t.insert(a, b, r, next++);
    }
    bpe_word_merger m;
    for (int w = 0; w < 200; ++w) {
      std::vector<token_id> word(std::uniform_int_distribution<std::size_t>(1, 120)(rng));
      for (token_id& s : word) s = std::uniform_int_distribution<token_id>(0, 7)(rng);
      std::vector<token_id> by_scan = word;
      std::vector<token_id> by_heap = word;
      m.merge_by_scan(t, by_scan);
      m.merge_by_heap(t, by_heap);
      ASSERT_EQ(by_scan, by_heap) << "round " << round << " word " << w;
    }
  }
}

}  // namespace
}  // namespace moeserve::model
