// The block pool against a plain model under random operations. The model keeps each
// block's ref count and hash in a std::map, the free list and the LRU list as sequences and
// the index as a std::map; it predicts every allocation's exact id and every lookup. After
// each operation the pool's whole observable state (every block's state, ref count and
// hash, the counts, a lookup of every hash in play) must equal the model's and
// check_invariants() must pass, so a drift shows at the operation that caused it.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "engine/block_pool.hpp"

namespace moeserve::engine {
namespace {

struct model_pool {
  struct block {
    int ref = 0;
    std::optional<block_hash> hash;
  };
  using key = std::pair<std::uint64_t, std::uint64_t>;

  explicit model_pool(int n) {
    for (int b = 0; b < n; ++b) {
      blocks[b] = {};
      free_list.push_back(b);
    }
  }

  std::optional<int> allocate() {
    int b;
    if (!free_list.empty()) {
      b = free_list.front();
      free_list.pop_front();
    } else if (!lru.empty()) {
      b = lru.front();
      lru.pop_front();
      index.erase(k(*blocks[b].hash));
      blocks[b].hash.reset();
    } else {
      return std::nullopt;
    }
    blocks[b].ref = 1;
    return b;
  }
  void acquire(int b) {
    if (blocks[b].ref == 0) lru.remove(b);
    ++blocks[b].ref;
  }
  void release(int b) {
    if (--blocks[b].ref > 0) return;
    if (blocks[b].hash) {
      lru.push_back(b);
    } else {
      free_list.push_back(b);
    }
  }
  bool set_hash(int b, const block_hash& h) {
    if (blocks[b].hash) return *blocks[b].hash == h;
    if (index.count(k(h)) != 0) return false;
    blocks[b].hash = h;
    index[k(h)] = b;
    return true;
  }
  block_state state(int b) const {
    const block& x = blocks.at(b);
    return x.ref > 0 ? block_state::used : x.hash ? block_state::cached : block_state::free;
  }
  static key k(const block_hash& h) { return {h.w0, h.w1}; }

  std::map<int, block> blocks;
  std::deque<int> free_list;
  std::list<int> lru;  // front: least recently released
  std::map<key, int> index;
};

void run_random_operations(unsigned seed, int num_blocks, int num_hashes, int operations) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  std::vector<block_hash> hashes;  // a small universe, so hashes repeat and collide in the index
  for (int i = 0; i < num_hashes; ++i) {
    const std::int32_t token = i;
    hashes.push_back(hash_block(root_block_hash, std::span(&token, 1), ""));
  }

  block_pool pool(num_blocks, 16);
  model_pool model(num_blocks);
  std::vector<int> held;  // one entry per reference the test holds

  auto hold = [&](int b) { held.push_back(b); };
  auto drop_random_held = [&] {
    const auto i = static_cast<std::size_t>(pick(static_cast<int>(held.size())));
    const int b = held[i];
    held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    return b;
  };
  auto blocks_where = [&](auto pred) {
    std::vector<int> out;
    for (const auto& [b, x] : model.blocks)
      if (pred(b, x)) out.push_back(b);
    return out;
  };

  for (int op = 0; op < operations; ++op) {
    SCOPED_TRACE("operation " + std::to_string(op));
    const int kind = pick(100);
    if (kind < 24) {
      const auto want = model.allocate();
      ASSERT_EQ(pool.allocate(), want);
      if (want) hold(*want);
    } else if (kind < 32) {
      const int n = pick(6);
      std::vector<int> want;
      const bool ok = static_cast<int>(model.free_list.size() + model.lru.size()) >= n;
      if (ok) {
        for (int i = 0; i < n; ++i) want.push_back(*model.allocate());
      }
      std::vector<int> got = {-7};
      ASSERT_EQ(pool.allocate_n(n, got), ok);
      want.insert(want.begin(), -7);
      ASSERT_EQ(got, want);
      for (std::size_t i = 1; i < got.size(); ++i) hold(got[i]);
    } else if (kind < 56) {
      if (held.empty()) continue;
      const int b = drop_random_held();
      model.release(b);
      pool.release(b);
    } else if (kind < 64) {
      std::vector<int> seq;
      for (int i = pick(4) + 1; i > 0 && !held.empty(); --i) seq.push_back(drop_random_held());
      for (auto it = seq.rbegin(); it != seq.rend(); ++it) model.release(*it);
      pool.release_sequence(seq);
    } else if (kind < 80) {
      // Share a block: a cached one (a prefix hit, found by lookup) or a used one.
      const auto cands =
          blocks_where([&](int b, const model_pool::block&) { return model.state(b) != block_state::free; });
      if (cands.empty()) continue;
      const int b = cands[static_cast<std::size_t>(pick(static_cast<int>(cands.size())))];
      if (model.blocks[b].hash) {
        ASSERT_EQ(pool.lookup(*model.blocks[b].hash), b);
      }
      model.acquire(b);
      pool.acquire(b);
      hold(b);
    } else {
      // Name a used block (sometimes one already named, with its own hash).
      const auto cands = blocks_where([](int, const model_pool::block& x) { return x.ref > 0; });
      if (cands.empty()) continue;
      const int b = cands[static_cast<std::size_t>(pick(static_cast<int>(cands.size())))];
      const block_hash h =
          model.blocks[b].hash ? *model.blocks[b].hash : hashes[static_cast<std::size_t>(pick(num_hashes))];
      ASSERT_EQ(pool.set_hash(b, h), model.set_hash(b, h));
    }

    ASSERT_EQ(pool.check_invariants(), "");
    int counts[3] = {0, 0, 0};
    for (const auto& [b, x] : model.blocks) {
      ASSERT_EQ(pool.state(b), model.state(b)) << "block " << b;
      ASSERT_EQ(pool.ref_count(b), x.ref) << "block " << b;
      ASSERT_EQ(pool.hash_of(b), x.hash) << "block " << b;
      ++counts[static_cast<int>(model.state(b))];
    }
    ASSERT_EQ(pool.free_count(), counts[0]);
    ASSERT_EQ(pool.cached_count(), counts[1]);
    ASSERT_EQ(pool.used_count(), counts[2]);
    ASSERT_EQ(static_cast<std::size_t>(pool.free_count()), model.free_list.size());
    ASSERT_EQ(static_cast<std::size_t>(pool.cached_count()), model.lru.size());
    for (const auto& hash : hashes) {
      const auto it = model.index.find(model_pool::k(hash));
      ASSERT_EQ(pool.lookup(hash), it == model.index.end() ? std::nullopt : std::optional<int>(it->second));
    }
  }
  // Drain: releasing everything leaves no used block; allocating everything then follows
  // the model's free list and LRU order exactly.
  while (!held.empty()) {
    const int b = drop_random_held();
    model.release(b);
    pool.release(b);
  }
  ASSERT_EQ(pool.used_count(), 0);
  for (int i = 0; i < num_blocks; ++i) ASSERT_EQ(pool.allocate(), model.allocate());
  ASSERT_EQ(pool.allocate(), std::nullopt);
  ASSERT_EQ(pool.check_invariants(), "");
}

TEST(BlockPoolModel, TenThousandRandomOperationsMatchTheModel) {
  for (const unsigned seed : {1u, 2u, 3u, 4u}) {
    run_random_operations(seed, 12, 20, 10000);
    ASSERT_FALSE(HasFatalFailure());
  }
}

TEST(BlockPoolModel, LargerPoolWithManyHashesMatchesTheModel) { run_random_operations(99, 64, 200, 10000); }

// The hash index at its highest load (every block named): each step releases a random
// block, evicts the least recently released one (erasing its hash, which shifts the probe
// run behind it) and names the new block with a fresh hash. Pool sizes vary, so runs of
// occupied slots wrap around the table's end in some of them.
TEST(BlockPoolModel, IndexStaysExactUnderChurnAtFullLoad) {
  std::mt19937_64 rng(12345);
  for (const int n : {1, 2, 3, 5, 8, 13, 31, 32, 33, 64, 100}) {
    SCOPED_TRACE("pool of " + std::to_string(n));
    block_pool pool(n, 16);
    std::map<int, block_hash> named;  // block -> hash, all blocks
    std::vector<block_hash> gone;     // hashes evicted
    for (int b = 0; b < n; ++b) {
      ASSERT_EQ(pool.allocate(), b);
      const block_hash h{rng(), rng()};
      ASSERT_TRUE(pool.set_hash(b, h));
      named[b] = h;
    }
    for (int step = 0; step < 3000; ++step) {
      const int b = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
      pool.release(b);
      const auto evicted = pool.allocate();  // the only cached block: b
      ASSERT_EQ(evicted, b);
      gone.push_back(named[b]);
      const block_hash h{rng(), rng()};
      ASSERT_TRUE(pool.set_hash(b, h));
      named[b] = h;
      ASSERT_EQ(pool.check_invariants(), "");
      for (const auto& [block, hash] : named) ASSERT_EQ(pool.lookup(hash), block);
      ASSERT_EQ(pool.lookup(gone[rng() % gone.size()]), std::nullopt);
    }
  }
}

TEST(BlockPoolModel, SingleBlockPoolMatchesTheModel) { run_random_operations(7, 1, 3, 2000); }

}  // namespace
}  // namespace moeserve::engine
