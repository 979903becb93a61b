// Block hashes: BLAKE2b-128 with personalization over the documented encoding, checked
// against values from Python's hashlib (so the encoding and the hash are both pinned), and
// the chain's sensitivity to its parent, tokens and extra keys.
#include "engine/prefix_hash.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

namespace moeserve::engine {
namespace {

std::vector<std::int32_t> iota_tokens(int n, std::int32_t first = 0) {
  std::vector<std::int32_t> t(static_cast<std::size_t>(n));
  std::iota(t.begin(), t.end(), first);
  return t;
}

// Each golden value is
//   hashlib.blake2b(parent + struct.pack('<Q', len(tokens)) + struct.pack('<%di' % len(tokens), *tokens)
//                   + struct.pack('<Q', len(extra)) + extra, digest_size=16, person=b'moeserve.kvblock').hexdigest()
// with parent = bytes(16) for the root.
TEST(PrefixHash, MatchesPythonHashlibGoldenValues) {
  EXPECT_EQ(to_hex(hash_block(root_block_hash, {}, "")), "3d34d6eff34cdf1e70ea77a30a3b85fb");  // 32 bytes
  const std::vector<std::int32_t> abc = {1, 2, 3};
  EXPECT_EQ(to_hex(hash_block(root_block_hash, abc, "")), "cca15668af913ba649686f2dfcdd6c71");
  EXPECT_EQ(to_hex(hash_block(root_block_hash, abc, "salt")), "9fddf41044658e8fadd443e8526a997e");
  // Messages of exactly one and two compression blocks (128 and 256 bytes).
  EXPECT_EQ(to_hex(hash_block(root_block_hash, iota_tokens(24), "")), "49f3fab1203bf6311d9c56fadf0ce6b2");
  EXPECT_EQ(to_hex(hash_block(root_block_hash, iota_tokens(56), "")), "5725e09c9c043cdb3556ac4b20ed3ec2");
  const std::vector<std::int32_t> extremes = {-1, std::numeric_limits<std::int32_t>::min(),
                                              std::numeric_limits<std::int32_t>::max(), 0};
  EXPECT_EQ(to_hex(hash_block(root_block_hash, extremes, "")), "1b1634d421db05095b43f079db3f77ca");
}

TEST(PrefixHash, ChainsTwoBlocksOfSixtyFourTokensLikePython) {
  std::vector<std::int32_t> tokens(128);
  for (int i = 0; i < 128; ++i) tokens[static_cast<std::size_t>(i)] = i * 7919 - 100000;
  const std::span<const std::int32_t> all(tokens);
  const block_hash h0 = hash_block(root_block_hash, all.first(64), "tenant-a");
  EXPECT_EQ(to_hex(h0), "3f68c6671dea4c817d2001df02ec1201");
  EXPECT_EQ(to_hex(hash_block(h0, all.subspan(64, 64), "tenant-a")), "40fb42ccc4e896d6ed906141595a31f7");
}

TEST(PrefixHash, WordsAreTheDigestBytesLittleEndian) {
  const block_hash h{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  EXPECT_EQ(to_hex(h), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(to_hex(root_block_hash), std::string(32, '0'));
}

TEST(PrefixHash, IsDeterministic) {
  const auto tokens = iota_tokens(64, 1000);
  EXPECT_EQ(hash_block(root_block_hash, tokens, "s"), hash_block(root_block_hash, tokens, "s"));
}

TEST(PrefixHash, DiffersWithParentTokensOrExtraKeys) {
  const auto tokens = iota_tokens(16, 5);
  const block_hash base = hash_block(root_block_hash, tokens, "");
  std::set<std::string> seen = {to_hex(base)};
  auto add = [&](const block_hash& h) { EXPECT_TRUE(seen.insert(to_hex(h)).second) << to_hex(h); };

  add(hash_block(base, tokens, ""));              // another parent
  add(hash_block(block_hash{1, 0}, tokens, ""));  // parents differing in one bit
  add(hash_block(block_hash{0, 1ULL << 63}, tokens, ""));
  add(hash_block(root_block_hash, tokens, "salt"));  // extra keys
  add(hash_block(root_block_hash, tokens, "salu"));
  add(hash_block(root_block_hash, tokens, std::string_view("\0", 1)));  // empty vs one NUL byte
  for (std::size_t i = 0; i < tokens.size(); ++i) {                     // one token changed, anywhere
    auto t = tokens;
    t[i] ^= 1;
    add(hash_block(root_block_hash, t, ""));
  }
  auto swapped = tokens;
  std::swap(swapped[0], swapped[1]);
  add(hash_block(root_block_hash, swapped, ""));                      // order matters
  add(hash_block(root_block_hash, std::span(tokens).first(15), ""));  // one token fewer
}

TEST(PrefixHash, LengthPrefixesKeepTokensAndExtraKeysApart) {
  // Without length prefixes, token 0x64636261 ("abcd" little-endian) and no extra keys
  // would encode like no token and extra keys "abcd".
  const std::vector<std::int32_t> one = {0x64636261};
  EXPECT_NE(hash_block(root_block_hash, one, ""), hash_block(root_block_hash, {}, "abcd"));
}

}  // namespace
}  // namespace moeserve::engine
