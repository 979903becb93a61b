#include "engine/prefix_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace moeserve::engine {
namespace {

[[noreturn]] void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: moeserve::engine::prefix_cache: %s\n", file, line, what);
  std::abort();
}

}  // namespace

#define MOESERVE_PREFIX_CHECK(cond, what)        \
  do {                                           \
    if (!(cond)) fail(__FILE__, __LINE__, what); \
  } while (0)

block_hash prefix_cache::chain_hash(std::span<const std::int32_t> tokens, std::string_view salt, block_chain& chain,
                                    int i) const {
  const auto block_size = static_cast<std::size_t>(pool_.block_size());
  MOESERVE_PREFIX_CHECK((static_cast<std::size_t>(i) + 1) * block_size <= tokens.size(), "hash of a partial block");
  while (chain.hashes.size() <= static_cast<std::size_t>(i)) {
    const std::size_t j = chain.hashes.size();
    const block_hash parent = j == 0 ? root_block_hash : chain.hashes[j - 1];
    chain.hashes.push_back(hash_block(parent, tokens.subspan(j * block_size, block_size), salt));
  }
  return chain.hashes[static_cast<std::size_t>(i)];
}

prefix_cache::match_result prefix_cache::match(std::span<const std::int32_t> prompt, std::string_view salt,
                                               block_chain& chain) {
  chain.hashes.clear();
  chain.committed = 0;
  match_result m;
  m.prompt_tokens = static_cast<int>(prompt.size());
  const int cap =
      prompt.empty() ? 0 : static_cast<int>((prompt.size() - 1) / static_cast<std::size_t>(pool_.block_size()));
  for (int i = 0; i < cap; ++i) {
    const auto block = pool_.lookup(chain_hash(prompt, salt, chain, i));
    if (!block) break;
    pool_.acquire(*block);
    m.blocks.push_back(*block);
  }
  m.cached_tokens = static_cast<int>(m.blocks.size()) * pool_.block_size();
  chain.committed = static_cast<int>(m.blocks.size());
  query_tokens_ += m.prompt_tokens;
  hit_tokens_ += m.cached_tokens;
  return m;
}

void prefix_cache::give_back(match_result&& m) {
  pool_.release_sequence(m.blocks);
  query_tokens_ -= m.prompt_tokens;
  hit_tokens_ -= m.cached_tokens;
  m.blocks.clear();
  m.cached_tokens = 0;
  m.prompt_tokens = 0;
}

int prefix_cache::commit_full_blocks(std::span<const std::int32_t> tokens, std::span<const int> blocks,
                                     std::string_view salt, block_chain& chain) {
  const int full = static_cast<int>(tokens.size() / static_cast<std::size_t>(pool_.block_size()));
  MOESERVE_PREFIX_CHECK(blocks.size() >= static_cast<std::size_t>(full), "fewer blocks than full blocks of tokens");
  int named = 0;
  for (int i = chain.committed; i < full; ++i) {
    const block_hash h = chain_hash(tokens, salt, chain, i);
    const int block = blocks[static_cast<std::size_t>(i)];
    if (const auto held = pool_.hash_of(block)) {
      MOESERVE_PREFIX_CHECK(*held == h, "a block holds the hash of other tokens");
      continue;  // a matched block, already named
    }
    if (pool_.set_hash(block, h)) ++named;  // false: another block holds h and stays its copy
  }
  chain.committed = std::max(chain.committed, full);
  return named;
}

}  // namespace moeserve::engine
