#include "engine/block_pool.hpp"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace moeserve::engine {
namespace {

[[noreturn]] void fail(const char* file, int line, const char* what, int block) {
  std::fprintf(stderr, "%s:%d: moeserve::engine::block_pool: %s (block %d)\n", file, line, what, block);
  std::abort();
}

}  // namespace

#define MOESERVE_POOL_CHECK(cond, what, block)          \
  do {                                                  \
    if (!(cond)) fail(__FILE__, __LINE__, what, block); \
  } while (0)

block_pool::block_pool(int num_blocks, int block_size) : block_size_(block_size) {
  if (num_blocks < 1) throw std::invalid_argument("block_pool: num_blocks must be at least 1");
  if (block_size < 1) throw std::invalid_argument("block_pool: block_size must be at least 1");
  records_.resize(static_cast<std::size_t>(num_blocks));
  links_.resize(static_cast<std::size_t>(num_blocks) + 2);
  for (const int head : {free_head(), cached_head()}) links_[head] = {head, head};
  for (int b = 0; b < num_blocks; ++b) push_back(free_head(), b);
  free_count_ = num_blocks;
  // At most one entry per block and a load of at most 1/2 keep linear probes short.
  const std::size_t slots = std::bit_ceil(2 * static_cast<std::size_t>(num_blocks));
  index_.assign(slots, -1);
  index_shift_ = 64 - std::countr_zero(slots);
}

// --- lists --------------------------------------------------------------------------------

void block_pool::push_back(int head, int block) {
  const int last = links_[head].prev;
  links_[block] = {last, head};
  links_[last].next = block;
  links_[head].prev = block;
}

void block_pool::unlink(int block) {
  const link l = links_[block];
  links_[l.prev].next = l.next;
  links_[l.next].prev = l.prev;
  links_[block] = {};
}

// --- states -------------------------------------------------------------------------------

std::optional<int> block_pool::allocate() {
  int block;
  if (free_count_ > 0) {
    block = links_[free_head()].next;
    unlink(block);
    --free_count_;
  } else if (cached_count_ > 0) {
    block = links_[cached_head()].next;  // least recently released
    unlink(block);
    --cached_count_;
    index_erase(block);
    records_[block].hashed = false;
    records_[block].hash = {};
    ++evictions_;
  } else {
    return std::nullopt;
  }
  record& r = records_[block];
  r.state = block_state::used;
  r.ref = 1;
  ++used_count_;
  return block;
}

bool block_pool::allocate_n(int n, std::vector<int>& out) {
  MOESERVE_POOL_CHECK(n >= 0, "allocate_n of a negative count", n);
  if (n > available_count()) return false;
  out.reserve(out.size() + static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(*allocate());
  return true;
}

void block_pool::acquire(int block) {
  check_id(block, "acquire of an id out of range");
  record& r = records_[block];
  MOESERVE_POOL_CHECK(r.state != block_state::free, "acquire of a free block", block);
  if (r.state == block_state::cached) {
    unlink(block);
    --cached_count_;
    ++used_count_;
    r.state = block_state::used;
  }
  ++r.ref;
}

void block_pool::release(int block) {
  check_id(block, "release of an id out of range");
  record& r = records_[block];
  MOESERVE_POOL_CHECK(r.state == block_state::used && r.ref > 0, "release of a block nobody holds", block);
  if (--r.ref > 0) return;
  --used_count_;
  if (r.hashed) {
    r.state = block_state::cached;
    push_back(cached_head(), block);
    ++cached_count_;
  } else {
    r.state = block_state::free;
    push_back(free_head(), block);
    ++free_count_;
  }
}

void block_pool::release_sequence(std::span<const int> blocks) {
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) release(*it);
}

bool block_pool::set_hash(int block, const block_hash& h) {
  check_id(block, "set_hash of an id out of range");
  record& r = records_[block];
  MOESERVE_POOL_CHECK(r.state == block_state::used, "set_hash of a block nobody holds", block);
  if (r.hashed) {
    MOESERVE_POOL_CHECK(r.hash == h, "set_hash of a block that already holds another hash", block);
    return true;
  }
  if (find_slot(h)) return false;
  r.hash = h;
  r.hashed = true;
  index_insert(block);
  return true;
}

std::optional<int> block_pool::lookup(const block_hash& h) const {
  const auto slot = find_slot(h);
  if (!slot) return std::nullopt;
  return index_[*slot];
}

block_state block_pool::state(int block) const {
  check_id(block, "state of an id out of range");
  return records_[block].state;
}

int block_pool::ref_count(int block) const {
  check_id(block, "ref_count of an id out of range");
  return records_[block].ref;
}

std::optional<block_hash> block_pool::hash_of(int block) const {
  check_id(block, "hash_of of an id out of range");
  if (!records_[block].hashed) return std::nullopt;
  return records_[block].hash;
}

void block_pool::check_id(int block, const char* what) const {
  MOESERVE_POOL_CHECK(block >= 0 && block < num_blocks(), what, block);
}

// --- hash index ---------------------------------------------------------------------------
//
// index_ has 2^k >= 2 * num_blocks slots, each a block id or -1; the key is kept in the
// block's record. A hash's home slot is the top k bits of a multiplicative mix of its
// words; collisions probe forward (wrapping), so an entry sits at or after its home with
// no empty slot between. Erasing shifts later entries of the run back into the hole when
// their home allows ("backward shift"), so there are no tombstones:
//
//   slot     5     6     7     8          erase 5: 7 (home 5) moves to 5; 6 (home 6) stays;
//   entry    a:5   b:6   c:5   -          the run ends at the empty slot 8
//
// Hashes are BLAKE2b digests, uniform over the slots; a client grinding prompts to crowd
// one home slot pays about 2^k hash evaluations per entry to lengthen one probe run.

std::size_t block_pool::home_slot(const block_hash& h) const {
  return static_cast<std::size_t>(((h.w0 ^ std::rotl(h.w1, 29)) * 0x9e3779b97f4a7c15ULL) >> index_shift_);
}

std::optional<std::size_t> block_pool::find_slot(const block_hash& h) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t s = home_slot(h);; s = (s + 1) & mask) {
    const int b = index_[s];
    if (b < 0) return std::nullopt;
    if (records_[b].hash == h) return s;
  }
}

void block_pool::index_insert(int block) {
  const std::size_t mask = index_.size() - 1;
  std::size_t s = home_slot(records_[block].hash);
  while (index_[s] >= 0) s = (s + 1) & mask;
  index_[s] = block;
  ++index_entries_;
}

void block_pool::index_erase(int block) {
  const std::size_t mask = index_.size() - 1;
  const auto found = find_slot(records_[block].hash);
  MOESERVE_POOL_CHECK(found && index_[*found] == block, "hashed block missing from the index", block);
  std::size_t hole = *found;
  for (std::size_t s = (hole + 1) & mask; index_[s] >= 0; s = (s + 1) & mask) {
    // The entry at s may fill the hole unless its home lies cyclically in (hole, s].
    const std::size_t home = home_slot(records_[index_[s]].hash);
    const bool stays = hole <= s ? (hole < home && home <= s) : (hole < home || home <= s);
    if (stays) continue;
    index_[hole] = index_[s];
    hole = s;
  }
  index_[hole] = -1;
  --index_entries_;
}

// --- invariants ---------------------------------------------------------------------------

std::string block_pool::check_invariants() const {
  const int n = num_blocks();
  if (free_count_ + cached_count_ + used_count_ != n) return "free + cached + used != total";
  if (free_count_ < 0 || cached_count_ < 0 || used_count_ < 0) return "a negative count";
  int states[3] = {0, 0, 0};
  int hashed = 0;
  for (int b = 0; b < n; ++b) {
    const record& r = records_[b];
    const auto id = std::to_string(b);
    switch (r.state) {
      case block_state::free:
        if (r.ref != 0) return "free block " + id + " has a nonzero ref count";
        if (r.hashed) return "free block " + id + " holds a hash";
        break;
      case block_state::cached:
        if (r.ref != 0) return "cached block " + id + " has a nonzero ref count";
        if (!r.hashed) return "cached block " + id + " holds no hash";
        break;
      case block_state::used:
        if (r.ref <= 0) return "used block " + id + " has ref count " + std::to_string(r.ref);
        if (links_[b].prev != -1 || links_[b].next != -1) return "used block " + id + " is linked into a list";
        break;
      default:
        return "block " + id + " has an unknown state";
    }
    ++states[static_cast<int>(r.state)];
    if (r.hashed) ++hashed;
  }
  if (states[0] != free_count_) return "free_count does not match the free blocks";
  if (states[1] != cached_count_) return "cached_count does not match the cached blocks";
  if (states[2] != used_count_) return "used_count does not match the used blocks";

  // Each list, walked from its sentinel with back links checked, holds only blocks of its
  // state and as many as there are: exactly the blocks of that state, each once.
  const struct {
    int head;
    block_state state;
    int count;
    const char* name;
  } lists[2] = {{free_head(), block_state::free, free_count_, "free list"},
                {cached_head(), block_state::cached, cached_count_, "cached list"}};
  for (const auto& l : lists) {
    int length = 0;
    int prev = l.head;
    for (int b = links_[l.head].next; b != l.head; prev = b, b = links_[b].next) {
      if (b < 0 || b >= n) return std::string(l.name) + " links to a non-block";
      if (links_[b].prev != prev)
        return std::string(l.name) + ": block " + std::to_string(b) + " has a wrong back link";
      if (records_[b].state != l.state)
        return std::string(l.name) + " holds block " + std::to_string(b) + " of another state";
      if (++length > l.count) return std::string(l.name) + " is longer than its count";
    }
    if (links_[l.head].prev != prev) return std::string(l.name) + ": the sentinel's back link is wrong";
    if (length != l.count) return std::string(l.name) + " is shorter than its count";
  }

  // The index holds exactly the hashed blocks, each found by lookup (so no two blocks
  // share a hash: lookup would find the same one for both).
  if (index_.size() < 2 * static_cast<std::size_t>(n)) return "the index is too small";
  if (index_entries_ != hashed) return "index entry count does not match the hashed blocks";
  int occupied = 0;
  for (const int b : index_) {
    if (b < 0) continue;
    ++occupied;
    if (b >= n) return "the index holds a non-block";
    if (!records_[b].hashed) return "the index holds block " + std::to_string(b) + ", which has no hash";
  }
  if (occupied != hashed) return "the index's occupied slots do not match the hashed blocks";
  for (int b = 0; b < n; ++b) {
    if (!records_[b].hashed) continue;
    const auto found = lookup(records_[b].hash);
    if (!found || *found != b) return "lookup of block " + std::to_string(b) + "'s hash does not find it";
  }
  return {};
}

}  // namespace moeserve::engine
