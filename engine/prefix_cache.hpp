#pragma once
// prefix_cache: automatic prefix caching over a block_pool. A full block, once its keys
// and values are computed, is named by its chained hash (prefix_hash.hpp); a new request
// whose prompt starts with the same full blocks (same tokens, same salt) shares them
// read-only instead of recomputing them.
//
//   prompt   [ b0 full ][ b1 full ][ b2 full ][ b3 partial ]     block_size 4, 14 tokens
//   match      hit        hit        miss -> stop                cached_tokens = 8
//   cap        at most (14 - 1) / 4 = 3 full blocks: the last prompt token is always
//              computed, since its logits give the first output token
//
// A match walks the chain from the first block and stops at the first miss (a block's hash
// depends on every block before it, so nothing past a miss can hit). Only full blocks are
// ever hashed, so a partial last block is never shared. The salt (a per-request cache salt,
// empty for none) is an extra key of every block: requests with different salts share
// nothing.
//
// A sequence's life, as the scheduler drives it:
//   1. m = match(prompt, salt, chain)    acquires the hit blocks (ref + 1 each)
//   2. allocate the rest (block_pool::allocate_n) after the match, so the allocation
//      cannot evict the blocks just matched; if there is no room: give_back(std::move(m))
//   3. after each step: commit_full_blocks(computed tokens, block table, salt, chain)
//   4. at the end: pool.release_sequence(block table)
// `chain` keeps the sequence's block hashes, so each block is hashed once in its life,
// not once per step. When two sequences computed the same block, the first committed
// keeps the hash; the other's copy stays unnamed and becomes free when released.
//
// Counters (tokens): query_tokens adds each matched prompt's length, hit_tokens the
// prompt tokens whose keys and values were reused (cached_tokens); give_back takes a
// match's tokens out again, so they count only prompts actually admitted.
//
// Threading: a plain single-threaded class, used by the owner of its block_pool.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/block_pool.hpp"
#include "engine/prefix_hash.hpp"

namespace moeserve::engine {

// One sequence's chained block hashes, owned by the sequence's holder and passed to the
// calls below with the same tokens and salt. hashes[i] names tokens [i*B, (i+1)*B).
struct block_chain {
  std::vector<block_hash> hashes;  // computed lazily, a prefix of the sequence's full blocks
  int committed = 0;               // blocks 0..committed-1 hold their hash or were offered it
};

class prefix_cache {
 public:
  struct match_result {
    std::vector<int> blocks;  // the hit blocks, in prompt order: the block table's start
    int cached_tokens = 0;    // blocks.size() * block_size
    int prompt_tokens = 0;    // the prompt's length (for give_back)
  };

  explicit prefix_cache(block_pool& pool) : pool_(pool) {}

  // The longest chain of full blocks of `prompt` (at most (prompt.size() - 1) / block_size)
  // whose hashes the pool holds, each acquired. Resets `chain` to this prompt and salt.
  match_result match(std::span<const std::int32_t> prompt, std::string_view salt, block_chain& chain);

  // Releases a match that was not used (its blocks, tail first) and takes its tokens out
  // of the counters. The sequence's next match starts its chain over.
  void give_back(match_result&& m);

  // Names the full blocks of `tokens` (the sequence's tokens whose keys and values are in
  // the cache) not yet committed: blocks[i] gets hashes[i] unless another block already
  // holds it (then that one stays the named copy). blocks must cover tokens' full blocks.
  // Returns the number of blocks newly named.
  int commit_full_blocks(std::span<const std::int32_t> tokens, std::span<const int> blocks, std::string_view salt,
                         block_chain& chain);

  std::int64_t query_tokens() const { return query_tokens_; }
  std::int64_t hit_tokens() const { return hit_tokens_; }

  block_pool& pool() { return pool_; }

 private:
  // Extends chain.hashes to cover block i of `tokens` (which must be full).
  block_hash chain_hash(std::span<const std::int32_t> tokens, std::string_view salt, block_chain& chain, int i) const;

  block_pool& pool_;
  std::int64_t query_tokens_ = 0;
  std::int64_t hit_tokens_ = 0;
};

}  // namespace moeserve::engine
