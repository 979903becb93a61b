#pragma once
// Repacking of weight-only quantized expert weights from the canonical (checkpoint)
// layout of quant/ into the fragment order that the small-M kernel (wint_gemm.hpp) reads:
// done once at load, on the host.
//
// Canonical (per expert, W[N][K] row-major, N output channels):
//   wint8: int8 q[N][K], q in [-127, 127]
//   wint4: uint8 packed[N][K/2]; weight k in byte k/2, even k in the low nibble, odd k in
//          the high nibble; two's-complement int4 in [-7, 7]
//
// Device layout: the matrix is cut into units of 16 k × 64 n; the unit (kt, nt) of expert
// e starts at byte ((e·(N/64) + nt)·(K/16) + kt)·unit_bytes, so one block's column strip
// (nt) is a contiguous run of K/16 units. Inside a unit each lane of a warp owns the bytes
// that hold exactly its mma.sync B fragments (tensor_core_ops.cuh) for the 8 n8-tiles j:
// lane l = 4g + t needs, for tile j (column n = 64·nt + 8j + g),
//   b0 = W[n][16kt+2t]   b1 = W[n][16kt+2t+1]   b2 = W[n][16kt+2t+8]   b3 = W[n][16kt+2t+9]
// Values are stored biased (unsigned): u = q + 8 (int4), u = q + 128 (int8), so the kernel
// turns them into bf16 with one mask-or and one subtraction, no sign handling.
//
//   wint4 unit = 512 B; lane l's 16 B at l·16, four 32-bit words w = 0..3 for the tiles
//   a = 2w, b = 2w+1; nibble p of the word (bits 4p..4p+3):
//       p:   0     1     2     3     4     5     6     7
//           a.b0  a.b2  b.b0  b.b2  a.b1  a.b3  b.b1  b.b3
//   so (word >> 4i) & 0x000F000F puts one B register's two values in the two halves:
//   i = 0 -> a's b0|b1, 1 -> a's b2|b3, 2 -> b's b0|b1, 3 -> b's b2|b3.
//
//   wint8 unit = 1024 B; two halves h = 0, 1 of 512 B; lane l's 16 B at h·512 + l·16;
//   word w is tile j = 4h + w, bytes (low first) b0 b1 b2 b3.
//
// Scales: per-channel fp32 [E][N] stay as they are. Group-wise wint4 scales (canonical
// fp32 [N][K/G]) become bf16 [E][K/G][N] (see grouped_gemm.hpp).
// Requirements: N % 64 == 0, K % 16 == 0 (the kernel adds K % 128 == 0).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace moeserve::gpu {

inline constexpr int wint_unit_n = 64;
inline constexpr int wint_unit_k = 16;

// q: [E][N][K] int8. Returns E·N·K bytes.
std::vector<std::uint8_t> repack_wint8(const std::int8_t* q, int experts, int n, int k);

// packed: [E][N][K/2] canonical int4. Returns E·N·K/2 bytes.
std::vector<std::uint8_t> repack_wint4(const std::uint8_t* packed, int experts, int n, int k);

// scales: [E][N][K/G] fp32. Returns [E][K/G][N] bf16 bits (round to nearest even).
std::vector<std::uint16_t> repack_group_scales(const float* scales, int experts, int n, int k, int group_size);

// Throws std::invalid_argument unless n, k fit the unit grid.
void check_wint_shape(int n, int k);

}  // namespace moeserve::gpu
