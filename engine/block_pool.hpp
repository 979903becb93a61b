#pragma once
// block_pool: the paged KV cache's blocks as the scheduler sees them (ids and states, no
// memory: the executor owns the storage). N blocks, ids 0..N-1, of block_size token slots.
// Each block is in exactly one state:
//
//   free    ref 0, no hash: never used, evicted, or released before it was full
//   cached  ref 0, holds the prefix hash of the full block it contains: reusable by a
//           request with the same prefix until evicted, in an LRU list
//   used    ref > 0: in the block table of ref running sequences (shared read-only if > 1)
//
//            allocate (free list head, else evict the LRU cached block, dropping its hash)
//   free ---------------------------------------------------------------------> used
//   cached -- acquire (prefix hit: leaves the LRU list) ----------------------> used
//   used  -- release to ref 0: has a hash ? cached (MRU end) : free (list tail)
//
//   free list   head [ 0 1 2 ... ] tail      allocate takes the head, release appends
//   cached LRU  head [ LRU ... MRU ] tail    eviction takes the head, release appends
//
// Both lists are intrusive and doubly linked over per-block records, and the hash index is
// an open-addressing table of block ids sized at construction: every operation is O(1)
// (the index expected O(1)) and nothing allocates after construction. Running out of
// blocks is a return value (nullopt, false), not an error. Misuse (an id out of range,
// releasing a block nobody holds, acquiring a free block, hashing a block nobody holds or
// re-hashing one) breaks the invariants and aborts with file and line.
//
// A hash names at most one block: set_hash refuses a hash another block already holds, so
// lookup is unambiguous. check_invariants() re-derives every rule from scratch (tests run
// it after every operation; the KV cache manager when idle).
//
// Threading: a plain single-threaded class, owned by the KV cache manager's actor.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/prefix_hash.hpp"

namespace moeserve::engine {

enum class block_state : std::uint8_t { free, cached, used };

class block_pool {
 public:
  // Throws std::invalid_argument unless num_blocks >= 1 and block_size >= 1.
  block_pool(int num_blocks, int block_size);

  int num_blocks() const { return static_cast<int>(records_.size()); }
  int block_size() const { return block_size_; }

  // A free block if any, else the least recently released cached block (evicted: its hash
  // leaves the index), else nullopt. The block comes back used with ref count 1.
  std::optional<int> allocate();
  // Appends n blocks to `out` (as n allocate() calls would) and returns true, or, when
  // fewer than n are available, changes nothing and returns false. n >= 0.
  bool allocate_n(int n, std::vector<int>& out);

  // One more holder of a cached or used block: ref + 1 (a cached block leaves the LRU list).
  void acquire(int block);
  // One holder fewer: ref - 1; at 0 a block with a hash becomes cached (MRU end), one
  // without becomes free (free list tail).
  void release(int block);
  // Releases a sequence's block table, last block first, so that of its blocks that become
  // cached, the tail ones are nearer the LRU end and are evicted before its head ones
  // (which a later request sharing the prefix is likelier to hit).
  void release_sequence(std::span<const int> blocks);

  // Names a used block's full contents. Returns false, leaving the block without a hash,
  // when another block already holds `h`; true when set (or already this block's hash).
  bool set_hash(int block, const block_hash& h);
  // The block holding `h` (cached or used), if any.
  std::optional<int> lookup(const block_hash& h) const;

  block_state state(int block) const;
  int ref_count(int block) const;
  // The block's hash, or nullopt when it has none.
  std::optional<block_hash> hash_of(int block) const;

  int free_count() const { return free_count_; }
  int cached_count() const { return cached_count_; }
  int used_count() const { return used_count_; }
  // Blocks allocate() can hand out now: free + cached.
  int available_count() const { return free_count_ + cached_count_; }
  // Cached blocks evicted by allocate() since construction.
  std::int64_t evictions() const { return evictions_; }

  // An empty string when every rule holds, else the first broken one: free + cached + used
  // == total; list membership, order links and lengths match the states; ref counts match
  // the states; free blocks hold no hash and cached ones do; the index holds exactly the
  // hashed blocks, each reachable by lookup.
  std::string check_invariants() const;

 private:
  struct record {
    block_hash hash;
    int ref = 0;
    block_state state = block_state::free;
    bool hashed = false;
  };
  struct link {
    int prev = -1;
    int next = -1;
  };

  // links_[free_head()] and links_[cached_head()] are the lists' sentinels.
  int free_head() const { return num_blocks(); }
  int cached_head() const { return num_blocks() + 1; }
  void push_back(int head, int block);
  void unlink(int block);

  std::size_t home_slot(const block_hash& h) const;
  std::optional<std::size_t> find_slot(const block_hash& h) const;
  void index_insert(int block);
  void index_erase(int block);

  void check_id(int block, const char* what) const;

  int block_size_;
  std::vector<record> records_;
  std::vector<link> links_;
  std::vector<int> index_;  // open addressing, linear probing: a block id or -1
  int index_shift_ = 0;     // 64 - log2(index_.size())
  int index_entries_ = 0;
  int free_count_ = 0;
  int cached_count_ = 0;
  int used_count_ = 0;
  std::int64_t evictions_ = 0;
};

}  // namespace moeserve::engine
