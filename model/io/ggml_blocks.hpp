#pragma once
// The block layouts of ggml's quantized types that moeserve dequantizes, as ggml stores
// them in GGUF files (little-endian; `d`, `m`, `dmin` are IEEE half bit patterns).
//
// q4_0 (32 elements, 18 bytes): x = d * (q - 8)
//   qs[j] low nibble -> element j, high nibble -> element j + 16
// q4_1 (32 elements, 20 bytes): x = d * q + m, nibbles as q4_0
// q8_0 (32 elements, 34 bytes): x = d * qs[j] (signed bytes)
// q4_k (256 elements, 144 bytes): 8 sub-blocks of 32 with 6-bit scale sc and min mn,
//   x = (d * sc) * q - (dmin * mn)
//   qs: 4 chunks of 32 bytes; chunk c low nibbles -> sub-block 2c, high -> 2c + 1
//   scales[12], sub-block j:
//     j < 4:  sc = scales[j] & 63,                          mn = scales[j + 4] & 63
//     j >= 4: sc = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4,
//             mn = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4
// q6_k (256 elements, 210 bytes): 16 sub-blocks of 16 with signed 8-bit scales,
//   x = (d * scales[i / 16]) * (q - 32), q a 6-bit value: 4 low bits in ql, 2 high in qh.
//   Each half h (128 elements) uses ql[64h .. 64h+63] and qh[32h .. 32h+31]; for l < 32:
//     element l      : ql[l] & 15        | (qh[l] >> 0 & 3) << 4
//     element l + 32 : ql[l + 32] & 15   | (qh[l] >> 2 & 3) << 4
//     element l + 64 : ql[l] >> 4        | (qh[l] >> 4 & 3) << 4
//     element l + 96 : ql[l + 32] >> 4   | (qh[l] >> 6 & 3) << 4
//
// Blocks in a file are packed without padding and may be unaligned: copy them out with
// memcpy, never reinterpret_cast the file's bytes.

#include <array>
#include <cstdint>
#include <type_traits>

namespace moeserve::model::ggml {

inline constexpr int qk_legacy = 32;  // elements per block of q4_0, q4_1, q8_0
inline constexpr int qk_k = 256;      // elements per super-block of the k-quants
inline constexpr int k_scale_size = 12;

struct block_q4_0 {
  std::uint16_t d;
  std::array<std::uint8_t, qk_legacy / 2> qs;
};

struct block_q4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::array<std::uint8_t, qk_legacy / 2> qs;
};

struct block_q8_0 {
  std::uint16_t d;
  std::array<std::int8_t, qk_legacy> qs;
};

struct block_q4_k {
  std::uint16_t d;
  std::uint16_t dmin;
  std::array<std::uint8_t, k_scale_size> scales;
  std::array<std::uint8_t, qk_k / 2> qs;
};

struct block_q6_k {
  std::array<std::uint8_t, qk_k / 2> ql;
  std::array<std::uint8_t, qk_k / 4> qh;
  std::array<std::int8_t, qk_k / 16> scales;
  std::uint16_t d;
};

static_assert(sizeof(block_q4_0) == 18 && std::is_trivially_copyable_v<block_q4_0>);
static_assert(sizeof(block_q4_1) == 20 && std::is_trivially_copyable_v<block_q4_1>);
static_assert(sizeof(block_q8_0) == 34 && std::is_trivially_copyable_v<block_q8_0>);
static_assert(sizeof(block_q4_k) == 144 && std::is_trivially_copyable_v<block_q4_k>);
static_assert(sizeof(block_q6_k) == 210 && std::is_trivially_copyable_v<block_q6_k>);

}  // namespace moeserve::model::ggml
