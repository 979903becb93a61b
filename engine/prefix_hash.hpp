#pragma once
// prefix_hash: the chained hash that names a full KV block by everything it depends on.
//
// A block's keys and values depend on its own tokens and on every token before it, so a
// block's hash covers its parent's hash (the block before it; root_block_hash for the
// first), its tokens and extra keys (a per-request cache salt, later LoRA or image ids):
//
//   tokens   [ t0 .. t63 ][ t64 .. t127 ][ t128 .. ]   (block_size 64)
//   hashes     h0 <----------- h1 <-------- h2          h1 = hash_block(h0, t64..t127, salt)
//
// Two blocks with equal hashes hold the same keys and values, which is what lets the
// prefix cache hand one request's block to another. A collision would hand a request
// another request's cache, so the hash must be collision-resistant even against prompts
// crafted to collide, not only against chance: it is BLAKE2b (RFC 7693) with a 16-byte
// digest and the personalization "moeserve.kvblock", over the unambiguous encoding
//
//   parent.w0 (u64 LE) | parent.w1 (u64 LE) | token count (u64 LE) | tokens (i32 LE each)
//   | extra_keys length (u64 LE) | extra_keys bytes
//
// Why BLAKE2b-128: a cryptographic hash with a native 128-bit output (a parameter, not a
// truncation): 2^64 work to find any collision, so neither chance nor a crafted prompt
// makes one. It costs about 0.5 us per 64-token block (296 bytes, 3 compressions) on one
// core, hashed once per block in a sequence's life. SipHash is a keyed PRF whose collision
// resistance is not claimed once its key is public (and ours would be); XXH3 and Murmur
// have constructible collisions. vLLM offers SHA-256 for the same reason; BLAKE2b is
// faster in software and needs no library.
// Python's hashlib.blake2b(data, digest_size=16, person=b"moeserve.kvblock") gives the
// same digest, which is what the tests check against.
//
// Deterministic across runs, processes and machines (explicit little-endian encoding).
// Threading: pure functions.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace moeserve::engine {

// A 128-bit digest: w0 holds digest bytes 0..7, w1 bytes 8..15, each read little-endian.
struct block_hash {
  std::uint64_t w0 = 0;
  std::uint64_t w1 = 0;
  friend bool operator==(const block_hash&, const block_hash&) = default;
};

// The parent of a sequence's first block: a fixed constant (all zero bits).
inline constexpr block_hash root_block_hash{};

// The hash of a full block of `tokens` following the block hashed `parent`.
block_hash hash_block(const block_hash& parent, std::span<const std::int32_t> tokens, std::string_view extra_keys);

// The 16 digest bytes as 32 lower-case hex digits, in digest order (Python's hexdigest()).
std::string to_hex(const block_hash& h);

}  // namespace moeserve::engine
