#pragma once
// WINT4: weight-only INT4, symmetric, per output channel or group-wise along K
// (FastDeploy's `wint4`, W4A16C16). Canonical (checkpoint) layout.
//
//   W[N][K] float, row-major (N output channels, K inputs)
//
//   packed[N][K/2]  uint8: element k of row n lives in byte k/2 of that row,
//                   even k in the LOW nibble, odd k in the HIGH nibble;
//                   each nibble is a two's-complement int4, values in [-7, 7]
//   scale[N][K/G]   G = group size (64 or 128) along K; per channel: G = K, scale[N][1]
//
//     byte:     7 6 5 4 | 3 2 1 0
//               q[2j+1] | q[2j]          e.g. q = (-1, 3) -> 0x3F, (5, -7) -> 0x95
//
//   scale[n][g] = stored(amax_{k in group g} |W[n][k]| / 7)     (0 for an all-zero group)
//   q[n][k]     = clamp(round_half_away(W[n][k] / scale[n][k/G]), -7, 7)  (0 when scale 0)
//   W[n][k]    ~= q[n][k] * scale[n][k/G]
//
// Invariants: K is even, and a multiple of G when grouped (std::invalid_argument
// otherwise). Per element |W - W_hat| <= scale/2 (BF16 scales included, as for wint8).
//
// Threading: pure functions.

#include <cstdint>
#include <span>
#include <vector>

#include "quant/scalar.hpp"

namespace moeserve::quant {

// group_size 0 = per channel (one scale per row).
inline constexpr int wint4_per_channel = 0;

struct wint4_weight {
  std::int64_t rows = 0;  // N
  std::int64_t cols = 0;  // K
  int group_size = wint4_per_channel;
  scale_dtype scale_type = scale_dtype::fp32;
  std::vector<std::uint8_t> packed;  // [N][K/2]
  std::vector<float> scale;          // [N][groups_per_row()]

  std::int64_t groups_per_row() const { return group_size == wint4_per_channel ? 1 : cols / group_size; }
};

// The nibble codec: q in [-8, 7] <-> 4-bit two's complement.
inline std::uint8_t pack_int4_pair(int even, int odd) {
  return static_cast<std::uint8_t>((static_cast<unsigned>(even) & 0xFu) | ((static_cast<unsigned>(odd) & 0xFu) << 4));
}
inline int unpack_int4_low(std::uint8_t b) { return static_cast<int>(b & 0xFu) - ((b & 0x8u) ? 16 : 0); }
inline int unpack_int4_high(std::uint8_t b) { return unpack_int4_low(static_cast<std::uint8_t>(b >> 4)); }

// Throws std::invalid_argument unless K is even, group_size is 0, 64 or 128, and K is a
// multiple of group_size.
void check_wint4_shape(std::int64_t rows, std::int64_t cols, int group_size);

wint4_weight quantize_wint4(std::span<const float> w, std::int64_t rows, std::int64_t cols,
                            int group_size = wint4_per_channel, scale_dtype scale_type = scale_dtype::fp32);

// W_hat[n][k] = q[n][k] * scale[n][k/G], into `out` (rows * cols floats).
void dequantize_wint4(const wint4_weight& w, std::span<float> out);
std::vector<float> dequantize_wint4(const wint4_weight& w);

}  // namespace moeserve::quant
