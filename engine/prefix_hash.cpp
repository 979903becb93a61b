#include "engine/prefix_hash.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

namespace moeserve::engine {
namespace {

// BLAKE2b as RFC 7693 specifies it, reduced to what hash_block needs: no key, a 16-byte
// digest, a 16-byte personalization, messages fed in pieces.
constexpr std::array<std::uint64_t, 8> kIv = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                              0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                              0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};

constexpr std::uint8_t kSigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

std::uint64_t byteswap64(std::uint64_t v) {
  std::uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | ((v >> (8 * i)) & 0xffu);
  return r;
}

constexpr std::size_t kBlockBytes = 128;
constexpr std::size_t kDigestBytes = 16;
constexpr char kPersonal[17] = "moeserve.kvblock";  // exactly 16 bytes, no terminator used

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = byteswap64(v);
  return v;
}

void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

class blake2b_128 {
 public:
  blake2b_128() : h_(kIv) {
    // Parameter block word 0: digest length, key length 0, fanout 1, depth 1.
    h_[0] ^= 0x01010000ULL ^ kDigestBytes;
    // Words 6 and 7: the personalization.
    h_[6] ^= load_le64(reinterpret_cast<const std::uint8_t*>(kPersonal));
    h_[7] ^= load_le64(reinterpret_cast<const std::uint8_t*>(kPersonal) + 8);
  }

  void update(const std::uint8_t* data, std::size_t n) {
    while (n > 0) {
      // A full buffer is compressed only once more input arrives: the last block must be
      // compressed with the final flag.
      if (buffered_ == kBlockBytes) {
        counter_ += kBlockBytes;
        compress(false);
        buffered_ = 0;
      }
      const std::size_t take = n < kBlockBytes - buffered_ ? n : kBlockBytes - buffered_;
      std::memcpy(buffer_.data() + buffered_, data, take);
      buffered_ += take;
      data += take;
      n -= take;
    }
  }

  void update_u64(std::uint64_t v) {
    std::uint8_t bytes[8];
    store_le64(bytes, v);
    update(bytes, sizeof bytes);
  }

  block_hash finish() {
    counter_ += buffered_;
    std::memset(buffer_.data() + buffered_, 0, kBlockBytes - buffered_);
    compress(true);
    return {h_[0], h_[1]};  // the digest's bytes 0..15 are h[0], h[1] little-endian
  }

 private:
  static void mix(std::uint64_t* v, int a, int b, int c, int d, std::uint64_t x, std::uint64_t y) {
    v[a] = v[a] + v[b] + x;
    v[d] = std::rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = std::rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = std::rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = std::rotr(v[b] ^ v[c], 63);
  }

  void compress(bool last) {
    std::uint64_t m[16];
    for (int i = 0; i < 16; ++i) m[i] = load_le64(buffer_.data() + 8 * i);
    std::uint64_t v[16];
    for (int i = 0; i < 8; ++i) {
      v[i] = h_[i];
      v[i + 8] = kIv[i];
    }
    v[12] ^= counter_;  // the high 64 bits of the byte counter stay 0: messages are small
    if (last) v[14] = ~v[14];
      // Unrolled, the message schedule's indices become constants.
#pragma GCC unroll 12
    for (const auto& s : kSigma) {
      mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
      mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
      mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
      mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
      mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
      mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
      mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
      mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; ++i) h_[i] ^= v[i] ^ v[i + 8];
  }

  std::array<std::uint64_t, 8> h_;
  std::array<std::uint8_t, kBlockBytes> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t counter_ = 0;
};

}  // namespace

block_hash hash_block(const block_hash& parent, std::span<const std::int32_t> tokens, std::string_view extra_keys) {
  blake2b_128 h;
  h.update_u64(parent.w0);
  h.update_u64(parent.w1);
  h.update_u64(tokens.size());
  if constexpr (std::endian::native == std::endian::little) {
    h.update(reinterpret_cast<const std::uint8_t*>(tokens.data()), tokens.size_bytes());
  } else {
    for (const std::int32_t t : tokens) {
      const auto u = static_cast<std::uint32_t>(t);
      const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(u), static_cast<std::uint8_t>(u >> 8),
                                     static_cast<std::uint8_t>(u >> 16), static_cast<std::uint8_t>(u >> 24)};
      h.update(bytes, sizeof bytes);
    }
  }
  h.update_u64(extra_keys.size());
  h.update(reinterpret_cast<const std::uint8_t*>(extra_keys.data()), extra_keys.size());
  return h.finish();
}

std::string to_hex(const block_hash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kDigestBytes);
  for (const std::uint64_t w : {h.w0, h.w1}) {
    for (int i = 0; i < 8; ++i) {
      const auto byte = static_cast<unsigned>(w >> (8 * i)) & 0xffu;
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xfu]);
    }
  }
  return out;
}

}  // namespace moeserve::engine
