#pragma once
// WINT2 (CCQ, "convolutional coding quantization"): FastDeploy's 2-bit MoE expert weights
// (W2A16C16), offline quantized. Layout and decode exactly as FastDeploy's kernels read
// them (REFERENCE.md "WINT2 (CCQ) layout").
//
// Per expert weight W[K][N] -- K-MAJOR: K input rows, N output columns, W[k][n] at
// k*N + n (the transpose of the wint8/wint4/fp8 [N][K] weights):
//
//   packed[K/4][N]       uint8   one byte per column holds rows 4r .. 4r+3 of that column
//   code_scale[N]        float32
//   code_zp[N]           float32
//   super_scale[N]       FP32 in this reference; on GPUs it is stored in the activation
//                        dtype (BF16), i.e. the FP32 value rounded to BF16
//   local_scale[K/128][N] uint8  two 4-bit scales, one per 64-row group:
//                        even group (k/64 even) in the HIGH nibble, odd group in the LOW
//
// Decode of W[k][n] (all float arithmetic in float32, no fused multiply-add):
//
//   q    = packed[k/4][n]                                       0..255
//   code = (int32) floor(q * code_scale[n] + code_zp[n] + 0.5f)   (float ops, left to right)
//   v    = ((code >> shift[k % 4]) & 0x3F) - 32                  shift = {9, 6, 3, 0}
//   ls   = (local_scale[k/128][n] >> ((((k/64) + 1) & 1) * 4)) & 0xF
//   W    = (float)(v * ls) * super_scale[n]
//
//   code bits: 14 13 12 11 10  9  8  7  6  5  4  3  2  1  0
//   k%4 == 0:  [------ v0 -----]
//   k%4 == 1:           [------ v1 -----]
//   k%4 == 2:                    [------ v2 -----]
//   k%4 == 3:                             [------ v3 -----]
//
// The byte is mapped through the column's affine line into a 15-bit code whose four
// overlapping 6-bit windows (stride 3) are the four weights: lookup-free, each weight in
// [-32, 31] * ls * super_scale, 256 possible 4-tuples per column. About 2.06 bits per
// weight (8 bits per 4 weights + 4 bits per 64 weights + 12 bytes per column).
//
// Invariant: K is a multiple of 128 (std::invalid_argument otherwise).
// Threading: pure functions.

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace moeserve::quant {

inline constexpr int wint2_group = 64;        // rows per 4-bit local scale
inline constexpr int wint2_k_multiple = 128;  // rows per local_scale byte

// K rounded up to wint2_k_multiple: a weight's K once zero rows are added for WINT2.
inline std::int64_t wint2_padded_k(std::int64_t k) { return (k + wint2_k_multiple - 1) / wint2_k_multiple * wint2_k_multiple; }

struct wint2_weight {
  std::int64_t k = 0;                     // rows (inputs)
  std::int64_t n = 0;                     // columns (outputs)
  std::vector<std::uint8_t> packed;       // [K/4][N]
  std::vector<float> code_scale;          // [N]
  std::vector<float> code_zp;             // [N]
  std::vector<float> super_scale;         // [N]
  std::vector<std::uint8_t> local_scale;  // [K/128][N]
};

// Throws std::invalid_argument unless k, n >= 0 and k is a multiple of 128.
void check_wint2_shape(std::int64_t k, std::int64_t n);
// Also checks every array's size against (k, n).
void check_wint2_weight(const wint2_weight& w);

// The 15-bit-window code of byte q on a column's line (exactly the formula above).
inline std::int32_t wint2_code(std::uint8_t q, float code_scale, float code_zp) {
  const float line = static_cast<float>(q) * code_scale;
  const float shifted = line + code_zp;
  return static_cast<std::int32_t>(std::floor(shifted + 0.5f));
}

// v in [-32, 31] of row r = k % 4 of a code.
inline int wint2_window(std::int32_t code, int r) {
  static constexpr int shift[4] = {9, 6, 3, 0};
  return ((code >> shift[r]) & 0x3F) - 32;
}

// The 4-bit local scale of row k from its column's local_scale byte.
inline int wint2_local_scale(std::uint8_t byte, std::int64_t k) {
  return (byte >> ((((k / wint2_group) + 1) & 1) * 4)) & 0xF;
}

inline float wint2_decode(std::uint8_t q, float code_scale, float code_zp, std::uint8_t local_scale_byte,
                          float super_scale, std::int64_t k) {
  const int v = wint2_window(wint2_code(q, code_scale, code_zp), static_cast<int>(k % 4));
  return static_cast<float>(v * wint2_local_scale(local_scale_byte, k)) * super_scale;
}

// W_hat[K][N] (K-major, like the input of quantize_wint2).
void dequantize_wint2(const wint2_weight& w, std::span<float> out);
std::vector<float> dequantize_wint2(const wint2_weight& w);

}  // namespace moeserve::quant
