// The block pool with exact block ids: allocation order, free list reuse, LRU eviction of
// cached blocks (a released sequence's tail first), sharing, the hash index, shortage as a
// return value and misuse as an abort.
#include "engine/block_pool.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace moeserve::engine {
namespace {

block_hash h(std::uint64_t i) { return {i, ~i}; }

// Allocates and checks the invariants; the test fails unless a block came back.
int take(block_pool& pool) {
  const auto b = pool.allocate();
  EXPECT_EQ(pool.check_invariants(), "");
  EXPECT_TRUE(b.has_value());
  return b.value_or(-1);
}

void expect_counts(const block_pool& pool, int free, int cached, int used) {
  EXPECT_EQ(pool.check_invariants(), "");
  EXPECT_EQ(pool.free_count(), free);
  EXPECT_EQ(pool.cached_count(), cached);
  EXPECT_EQ(pool.used_count(), used);
}

TEST(BlockPool, FreshPoolAllocatesIdsInOrderThenRunsOut) {
  block_pool pool(4, 16);
  EXPECT_EQ(pool.num_blocks(), 4);
  EXPECT_EQ(pool.block_size(), 16);
  expect_counts(pool, 4, 0, 0);
  for (int want = 0; want < 4; ++want) {
    EXPECT_EQ(take(pool), want);
    EXPECT_EQ(pool.state(want), block_state::used);
    EXPECT_EQ(pool.ref_count(want), 1);
  }
  EXPECT_EQ(pool.allocate(), std::nullopt);
  expect_counts(pool, 0, 0, 4);
}

TEST(BlockPool, ReleasedBlockWithoutHashJoinsTheFreeListTail) {
  block_pool pool(4, 16);
  for (int i = 0; i < 3; ++i) take(pool);  // 0 1 2
  pool.release(1);
  EXPECT_EQ(pool.state(1), block_state::free);
  expect_counts(pool, 2, 0, 2);
  EXPECT_EQ(take(pool), 3);  // the never-used block is ahead of 1
  EXPECT_EQ(take(pool), 1);
  pool.release(0);
  pool.release(2);
  EXPECT_EQ(take(pool), 0);
  EXPECT_EQ(take(pool), 2);
}

TEST(BlockPool, FreeBlocksGoBeforeCachedOnes) {
  block_pool pool(4, 16);
  take(pool);  // 0
  ASSERT_TRUE(pool.set_hash(0, h(7)));
  pool.release(0);
  EXPECT_EQ(pool.state(0), block_state::cached);
  expect_counts(pool, 3, 1, 0);
  EXPECT_EQ(take(pool), 1);
  EXPECT_EQ(take(pool), 2);
  EXPECT_EQ(take(pool), 3);
  EXPECT_EQ(pool.lookup(h(7)), 0);  // still cached
  EXPECT_EQ(take(pool), 0);         // evicted only now
  EXPECT_EQ(pool.evictions(), 1);
}

TEST(BlockPool, CachedBlocksAreEvictedLeastRecentlyReleasedFirst) {
  block_pool pool(4, 16);
  for (int b = 0; b < 4; ++b) {
    take(pool);
    ASSERT_TRUE(pool.set_hash(b, h(100 + b)));
  }
  for (const int b : {2, 0, 3, 1}) pool.release(b);
  expect_counts(pool, 0, 4, 0);
  for (const int want : {2, 0, 3, 1}) EXPECT_EQ(take(pool), want);
  EXPECT_EQ(pool.evictions(), 4);
}

TEST(BlockPool, ReleaseSequenceEvictsTailBlocksBeforeHeadBlocks) {
  block_pool pool(6, 16);
  std::vector<int> a, b;
  ASSERT_TRUE(pool.allocate_n(3, a));
  ASSERT_TRUE(pool.allocate_n(3, b));
  EXPECT_EQ(a, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(b, (std::vector<int>{3, 4, 5}));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(pool.set_hash(i, h(i)));
  pool.release_sequence(a);  // releases 2, 1, 0
  pool.release_sequence(b);  // releases 5, 4, 3
  expect_counts(pool, 0, 6, 0);
  EXPECT_EQ(take(pool), 2);  // a's tail goes first ...
  EXPECT_EQ(pool.lookup(h(2)), std::nullopt);
  EXPECT_EQ(pool.lookup(h(0)), 0);  // ... while its head stays cached
  for (const int want : {1, 0, 5, 4, 3}) EXPECT_EQ(take(pool), want);
}

TEST(BlockPool, AcquireSharesBlocksAndCountsReferences) {
  block_pool pool(3, 16);
  take(pool);  // 0
  ASSERT_TRUE(pool.set_hash(0, h(1)));
  pool.acquire(0);  // a second sequence shares the used block
  EXPECT_EQ(pool.ref_count(0), 2);
  pool.release(0);
  EXPECT_EQ(pool.state(0), block_state::used);  // one holder left
  EXPECT_EQ(pool.ref_count(0), 1);
  pool.release(0);
  EXPECT_EQ(pool.state(0), block_state::cached);
  expect_counts(pool, 2, 1, 0);

  pool.acquire(0);  // a prefix hit on the cached block: it leaves the LRU list
  EXPECT_EQ(pool.state(0), block_state::used);
  EXPECT_EQ(pool.ref_count(0), 1);
  expect_counts(pool, 2, 0, 1);
  EXPECT_EQ(take(pool), 1);
  EXPECT_EQ(take(pool), 2);
  EXPECT_EQ(pool.allocate(), std::nullopt);  // block 0 is held, not evictable
  EXPECT_EQ(pool.lookup(h(1)), 0);
}

TEST(BlockPool, EvictionDropsTheHashFromTheIndex) {
  block_pool pool(1, 16);
  take(pool);
  ASSERT_TRUE(pool.set_hash(0, h(5)));
  pool.release(0);
  EXPECT_EQ(pool.lookup(h(5)), 0);
  EXPECT_EQ(take(pool), 0);  // evicted
  EXPECT_EQ(pool.lookup(h(5)), std::nullopt);
  EXPECT_EQ(pool.hash_of(0), std::nullopt);
  pool.release(0);  // no hash now: free, not cached
  EXPECT_EQ(pool.state(0), block_state::free);
  expect_counts(pool, 1, 0, 0);
}

TEST(BlockPool, AllocateNIsAllOrNothing) {
  block_pool pool(4, 16);
  take(pool);  // 0
  std::vector<int> out = {99};
  EXPECT_FALSE(pool.allocate_n(4, out));
  EXPECT_EQ(out, (std::vector<int>{99}));  // nothing appended
  expect_counts(pool, 3, 0, 1);            // nothing allocated
  EXPECT_TRUE(pool.allocate_n(0, out));
  EXPECT_TRUE(pool.allocate_n(3, out));
  EXPECT_EQ(out, (std::vector<int>{99, 1, 2, 3}));
  EXPECT_FALSE(pool.allocate_n(1, out));
  expect_counts(pool, 0, 0, 4);
}

TEST(BlockPool, AllocateNCountsCachedBlocksAsAvailable) {
  block_pool pool(4, 16);
  std::vector<int> seq;
  ASSERT_TRUE(pool.allocate_n(2, seq));
  ASSERT_TRUE(pool.set_hash(0, h(10)));
  ASSERT_TRUE(pool.set_hash(1, h(11)));
  pool.release_sequence(seq);
  EXPECT_EQ(pool.available_count(), 4);
  std::vector<int> out;
  EXPECT_TRUE(pool.allocate_n(4, out));
  EXPECT_EQ(out, (std::vector<int>{2, 3, 1, 0}));  // free ones, then the tail-first LRU
  EXPECT_EQ(pool.lookup(h(10)), std::nullopt);
  EXPECT_EQ(pool.lookup(h(11)), std::nullopt);
  expect_counts(pool, 0, 0, 4);
}

TEST(BlockPool, AHashNamesAtMostOneBlock) {
  block_pool pool(3, 16);
  take(pool);
  take(pool);
  ASSERT_TRUE(pool.set_hash(0, h(3)));
  EXPECT_TRUE(pool.set_hash(0, h(3)));   // the same again: no change
  EXPECT_FALSE(pool.set_hash(1, h(3)));  // held by block 0
  EXPECT_EQ(pool.hash_of(1), std::nullopt);
  EXPECT_EQ(pool.lookup(h(3)), 0);
  pool.release(1);
  EXPECT_EQ(pool.state(1), block_state::free);  // an unnamed copy is not cached
  expect_counts(pool, 2, 0, 1);
}

TEST(BlockPool, ReleasedBlockCanBeNamedAgainAfterEviction) {
  block_pool pool(2, 16);
  take(pool);
  take(pool);
  ASSERT_TRUE(pool.set_hash(0, h(1)));
  ASSERT_TRUE(pool.set_hash(1, h(2)));
  pool.release(0);
  EXPECT_EQ(take(pool), 0);              // evicts h(1)
  EXPECT_FALSE(pool.set_hash(0, h(2)));  // h(2) is block 1's
  EXPECT_TRUE(pool.set_hash(0, h(1)));   // h(1) is free to take again
  EXPECT_EQ(pool.lookup(h(1)), 0);
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(BlockPool, RejectsABadConfiguration) {
  EXPECT_THROW(block_pool(0, 16), std::invalid_argument);
  EXPECT_THROW(block_pool(4, 0), std::invalid_argument);
}

TEST(BlockPoolDeathTest, MisuseAbortsWithFileAndLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  block_pool pool(2, 16);
  EXPECT_DEATH(pool.release(0), "block_pool.cpp:[0-9]+: .*release of a block nobody holds \\(block 0\\)");
  EXPECT_DEATH(pool.acquire(1), "acquire of a free block");
  EXPECT_DEATH(pool.acquire(2), "out of range");
  EXPECT_DEATH(pool.release(-1), "out of range");
  EXPECT_DEATH(pool.set_hash(0, h(1)), "set_hash of a block nobody holds");
  take(pool);
  ASSERT_TRUE(pool.set_hash(0, h(1)));
  EXPECT_DEATH(pool.set_hash(0, h(2)), "already holds another hash");
  pool.release(0);
  EXPECT_DEATH(pool.set_hash(0, h(1)), "set_hash of a block nobody holds");  // cached
  EXPECT_DEATH(pool.release(0), "release of a block nobody holds");
}

}  // namespace
}  // namespace moeserve::engine
