// The prefix cache over a block pool with exact block ids: hits across requests sharing a
// prefix, the cap that leaves the last prompt token to compute, salts, partial blocks,
// duplicate commits, eviction, incremental commits and the token counters.
#include "engine/prefix_cache.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace moeserve::engine {
namespace {

constexpr int kBlock = 4;

std::vector<std::int32_t> tokens(int n, std::int32_t first = 100) {
  std::vector<std::int32_t> t(static_cast<std::size_t>(n));
  std::iota(t.begin(), t.end(), first);
  return t;
}

// A sequence as the scheduler would run it: match, allocate the rest, compute (commit).
struct sequence {
  std::vector<std::int32_t> toks;
  std::vector<int> blocks;
  block_chain chain;
  int cached_tokens = 0;
};

sequence admit(prefix_cache& cache, std::vector<std::int32_t> prompt, std::string_view salt = "") {
  sequence s;
  s.toks = std::move(prompt);
  auto m = cache.match(s.toks, salt, s.chain);
  s.blocks = m.blocks;
  s.cached_tokens = m.cached_tokens;
  const int needed = (static_cast<int>(s.toks.size()) + kBlock - 1) / kBlock - static_cast<int>(s.blocks.size());
  EXPECT_TRUE(cache.pool().allocate_n(needed, s.blocks));
  cache.commit_full_blocks(s.toks, s.blocks, salt, s.chain);
  EXPECT_EQ(cache.pool().check_invariants(), "");
  return s;
}

TEST(PrefixCache, SecondRequestWithTheSamePrefixReusesItsFullBlocks) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(10));  // blocks 0 1 full, 2 partial
  EXPECT_EQ(a.blocks, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(a.cached_tokens, 0);
  EXPECT_TRUE(pool.hash_of(0) && pool.hash_of(1));
  EXPECT_FALSE(pool.hash_of(2));

  auto prompt_b = tokens(8);
  prompt_b.push_back(7);  // same 8 tokens, then another
  prompt_b.push_back(8);
  auto b = admit(cache, prompt_b);
  EXPECT_EQ(b.cached_tokens, 8);
  EXPECT_EQ(b.blocks, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(pool.ref_count(0), 2);
  EXPECT_EQ(pool.ref_count(1), 2);
  EXPECT_EQ(cache.query_tokens(), 20);
  EXPECT_EQ(cache.hit_tokens(), 8);

  pool.release_sequence(a.blocks);  // 0 and 1 stay used by b; 2 (unnamed) becomes free
  EXPECT_EQ(pool.state(0), block_state::used);
  EXPECT_EQ(pool.state(2), block_state::free);
  pool.release_sequence(b.blocks);
  EXPECT_EQ(pool.cached_count(), 2);
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(PrefixCache, HitOnCachedBlocksAfterTheFirstRequestFinished) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(13));  // 3 full blocks: 0 1 2; partial 3
  pool.release_sequence(a.blocks);
  EXPECT_EQ(pool.cached_count(), 3);
  auto b = admit(cache, tokens(13));
  EXPECT_EQ(b.cached_tokens, 12);
  EXPECT_EQ(b.blocks, (std::vector<int>{0, 1, 2, 4}));  // 3 went to the free list tail
  EXPECT_EQ(pool.cached_count(), 0);
}

TEST(PrefixCache, NeverMatchesTheWholePrompt) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(9));  // blocks 0 1 full
  pool.release_sequence(a.blocks);
  block_chain chain;
  auto m = cache.match(tokens(8), "", chain);  // 8 tokens, all cached: only (8-1)/4 = 1 block
  EXPECT_EQ(m.blocks, (std::vector<int>{0}));
  EXPECT_EQ(m.cached_tokens, 4);
  cache.give_back(std::move(m));
  m = cache.match(tokens(9), "", chain);  // 9 tokens: both full blocks
  EXPECT_EQ(m.blocks, (std::vector<int>{0, 1}));
  cache.give_back(std::move(m));
  m = cache.match(tokens(1), "", chain);
  EXPECT_TRUE(m.blocks.empty());
  m = cache.match({}, "", chain);
  EXPECT_TRUE(m.blocks.empty());
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(PrefixCache, SaltsSeparateRequests) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(9), "tenant-a");
  auto b = admit(cache, tokens(9), "tenant-b");
  auto c = admit(cache, tokens(9));
  EXPECT_EQ(b.cached_tokens, 0);
  EXPECT_EQ(c.cached_tokens, 0);
  EXPECT_EQ(b.blocks, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(pool.lookup(*pool.hash_of(0)), 0);
  EXPECT_NE(*pool.hash_of(0), *pool.hash_of(3));
  auto d = admit(cache, tokens(9), "tenant-b");
  EXPECT_EQ(d.cached_tokens, 8);
  EXPECT_EQ(d.blocks, (std::vector<int>{3, 4, 9}));
}

TEST(PrefixCache, PartialLastBlockIsNeverShared) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(10));  // 0 1 full, 2 holds tokens 8..9
  EXPECT_EQ(pool.hash_of(2), std::nullopt);
  auto b = admit(cache, tokens(14));  // would match 3 full blocks if a's partial block counted
  EXPECT_EQ(b.cached_tokens, 8);
  EXPECT_EQ(b.blocks, (std::vector<int>{0, 1, 3, 4}));
  EXPECT_EQ(pool.ref_count(2), 1);
}

TEST(PrefixCache, DecodeCommitsEachBlockOnceWhenItFills) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(6));  // block 0 full, 1 partial
  EXPECT_EQ(a.chain.committed, 1);
  a.toks.push_back(1);  // decoded tokens: 7, then 8 in the cache
  EXPECT_EQ(cache.commit_full_blocks(a.toks, a.blocks, "", a.chain), 0);
  a.toks.push_back(2);
  EXPECT_EQ(cache.commit_full_blocks(a.toks, a.blocks, "", a.chain), 1);  // block 1 filled
  EXPECT_EQ(cache.commit_full_blocks(a.toks, a.blocks, "", a.chain), 0);  // nothing new
  EXPECT_EQ(a.chain.committed, 2);
  EXPECT_EQ(a.chain.hashes.size(), 2u);
  // The block hashed during decode is found by a prompt with the same 8 tokens.
  pool.release_sequence(a.blocks);
  auto b_prompt = a.toks;
  b_prompt.push_back(3);
  auto b = admit(cache, b_prompt);
  EXPECT_EQ(b.cached_tokens, 8);
  EXPECT_EQ(b.blocks, (std::vector<int>{0, 1, 2}));
  // The chain's hashes are those of an independent computation.
  EXPECT_EQ(*pool.hash_of(1), hash_block(hash_block(root_block_hash, std::span(a.toks).first(4), ""),
                                         std::span(a.toks).subspan(4, 4), ""));
}

TEST(PrefixCache, DuplicateCommitKeepsTheFirstCopy) {
  block_pool pool(16, kBlock);
  prefix_cache cache(pool);
  // Two requests with the same prompt admitted before either computed: no hits for either.
  sequence a, b;
  a.toks = b.toks = tokens(9);
  auto ma = cache.match(a.toks, "", a.chain);
  auto mb = cache.match(b.toks, "", b.chain);
  EXPECT_TRUE(ma.blocks.empty() && mb.blocks.empty());
  ASSERT_TRUE(pool.allocate_n(3, a.blocks));  // 0 1 2
  ASSERT_TRUE(pool.allocate_n(3, b.blocks));  // 3 4 5
  EXPECT_EQ(cache.commit_full_blocks(a.toks, a.blocks, "", a.chain), 2);
  EXPECT_EQ(cache.commit_full_blocks(b.toks, b.blocks, "", b.chain), 0);  // a's copies stay
  EXPECT_EQ(pool.hash_of(3), std::nullopt);
  EXPECT_EQ(pool.lookup(*pool.hash_of(0)), 0);
  pool.release_sequence(b.blocks);  // unnamed: free, not cached
  EXPECT_EQ(pool.cached_count(), 0);
  EXPECT_EQ(pool.free_count(), 13);
  pool.release_sequence(a.blocks);
  EXPECT_EQ(pool.cached_count(), 2);
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(PrefixCache, EvictedBlocksNoLongerMatchAndTailsGoFirst) {
  block_pool pool(4, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(16));  // 4 full blocks 0..3, the last computed too
  EXPECT_EQ(a.blocks, (std::vector<int>{0, 1, 2, 3}));
  pool.release_sequence(a.blocks);  // LRU: 3 2 1 0
  EXPECT_EQ(pool.cached_count(), 4);
  std::vector<int> other;
  ASSERT_TRUE(pool.allocate_n(2, other));  // evicts the tail: 3, then 2
  EXPECT_EQ(other, (std::vector<int>{3, 2}));
  pool.release_sequence(other);  // unnamed now: free, 2 then 3
  auto b = admit(cache, tokens(16));
  EXPECT_EQ(b.cached_tokens, 8);  // the head survived
  EXPECT_EQ(b.blocks, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(pool.evictions(), 2);
}

TEST(PrefixCache, EvictionOfAMiddleBlockEndsTheMatchThere) {
  block_pool pool(3, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(12));              // 0 1 2
  for (const int b : {1, 0, 2}) pool.release(b);  // LRU: 1 0 2
  ASSERT_EQ(pool.allocate(), 1);                  // block 1's hash is gone
  block_chain chain;
  auto m = cache.match(tokens(12), "", chain);  // hits block 0, misses block 1, stops
  EXPECT_EQ(m.blocks, (std::vector<int>{0}));
  EXPECT_EQ(pool.lookup(chain.hashes.back()), std::nullopt);
  EXPECT_EQ(chain.hashes.size(), 2u);             // nothing hashed past the miss
  EXPECT_EQ(pool.state(2), block_state::cached);  // still cached but unreachable by this prompt
}

TEST(PrefixCache, GiveBackReleasesTheMatchAndUncountsIt) {
  block_pool pool(8, kBlock);
  prefix_cache cache(pool);
  auto a = admit(cache, tokens(9));
  pool.release_sequence(a.blocks);
  EXPECT_EQ(cache.query_tokens(), 9);
  EXPECT_EQ(cache.hit_tokens(), 0);
  block_chain chain;
  auto m = cache.match(tokens(9), "", chain);
  EXPECT_EQ(cache.hit_tokens(), 8);
  EXPECT_EQ(pool.cached_count(), 0);
  cache.give_back(std::move(m));
  EXPECT_EQ(cache.query_tokens(), 9);
  EXPECT_EQ(cache.hit_tokens(), 0);
  EXPECT_EQ(pool.cached_count(), 2);
  EXPECT_EQ(pool.allocate(), 3);  // free blocks first (a's partial block 2 is at the free list's tail)
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(PrefixCacheDeathTest, CommitWithoutABlockPerFullBlockAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  block_pool pool(4, kBlock);
  prefix_cache cache(pool);
  block_chain chain;
  const auto toks = tokens(8);
  std::vector<int> blocks;
  ASSERT_TRUE(pool.allocate_n(1, blocks));
  EXPECT_DEATH(cache.commit_full_blocks(toks, blocks, "", chain), "fewer blocks than full blocks");
}

}  // namespace
}  // namespace moeserve::engine
