#pragma once
// Block-wise FP8 (FastDeploy's `block_wise_fp8`, Wfp8Afp8, DeepSeek-V3 style): e4m3fn
// weights with one FP32 scale per 128x128 block, activations quantized at run time to
// e4m3fn with one FP32 scale per token per 128 channels. Canonical (checkpoint) layout;
// HF FP8 checkpoints (`quant_method: "fp8"`, `weight_block_size: [128, 128]`) store
// exactly this (`weight` e4m3 [N][K], `weight_scale_inv` [ceil(N/128)][ceil(K/128)]).
//
// Weights W[N][K] (row-major, N output channels):
//   q[N][K]                                 e4m3fn bytes
//   scale[ceil(N/128)][ceil(K/128)]         FP32, row-major; edge blocks may be partial
//   scale[i][j] = amax over block (rows 128i.., cols 128j..) / 448    (0: all-zero block)
//   q[n][k]     = e4m3(W[n][k] / scale[n/128][k/128])                   (0 when scale is 0)
//   W[n][k]    ~= e4m3_to_fp32(q[n][k]) * scale[n/128][k/128]
//
//          k: 0      128     256   K (K % 128 may be != 0)
//   n:  0   +-------+-------+---+
//           | [0][0]| [0][1]|[0][2]
//     128   +-------+-------+---+
//           | [1][0]| [1][1]|[1][2]
//       N   +-------+-------+---+
//
// Activations X[M][K] (row-major, M tokens):
//   q[M][K] e4m3fn, scale[M][ceil(K/128)] FP32 row-major, scale[m][j] = amax of
//   X[m][128j .. 128j+127] / 448 (0 for an all-zero group).
//
// Error bound (per element, derived from fp8_e4m3.hpp): with s the element's scale,
//   |W - W_hat| <= 2^-4 |W| + 2^-10 s  (+ a few float ulps from the division/product),
// and since |W|/s <= 448 that is at most 2^-4 * block amax (the top binade [256, 448]
// has ulp 32, so the worst case there is 16/448 of amax).
//
// cuBLASLt (CUDA >= 12.9, sm_90; REFERENCE.md "Block-wise FP8") consumes these scales as:
//   A = weights, op T, scale mode BLK128x128_32F: block (k/128, n/128) at index
//       (k/128) + (n/128) * ceil(K/128)   -- identical to our scale[n/128][k/128] row-major;
//   B = activations, op N, scale mode VEC128_32F: (m, k/128) at index m + (k/128) * M
//       -- the TRANSPOSE of our scale[M][ceil(K/128)]: the GPU quantizer writes it K-block
//       major ([ceil(K/128)][M]) for cuBLASLt; the CPU reference keeps token-major.
//
// The reference GEMM accumulates like the block-scaled kernels: per 128-wide K block, the
// e4m3 products are summed in FP32, then the partial sum is multiplied by
// (x_scale * w_scale) and added to an FP32 accumulator.
//
// Threading: pure functions.

#include <cstdint>
#include <span>
#include <vector>

namespace moeserve::quant {

inline constexpr int fp8_block = 128;

inline std::int64_t fp8_blocks(std::int64_t extent) { return (extent + fp8_block - 1) / fp8_block; }

struct fp8_block_weight {
  std::int64_t rows = 0;        // N
  std::int64_t cols = 0;        // K
  std::vector<std::uint8_t> q;  // [N][K] e4m3fn
  std::vector<float> scale;     // [ceil(N/128)][ceil(K/128)]
};

struct fp8_token_activation {
  std::int64_t rows = 0;        // M
  std::int64_t cols = 0;        // K
  std::vector<std::uint8_t> q;  // [M][K] e4m3fn
  std::vector<float> scale;     // [M][ceil(K/128)]
};

// Throws std::invalid_argument for a size mismatch or a non-finite weight.
fp8_block_weight quantize_fp8_block_weight(std::span<const float> w, std::int64_t rows, std::int64_t cols);
void dequantize_fp8_block_weight(const fp8_block_weight& w, std::span<float> out);
std::vector<float> dequantize_fp8_block_weight(const fp8_block_weight& w);

// Dynamic per-token-per-128-channel quantization. Non-finite inputs give unspecified
// (memory-safe) codes.
fp8_token_activation quantize_fp8_token_activation(std::span<const float> x, std::int64_t rows, std::int64_t cols);
std::vector<float> dequantize_fp8_token_activation(const fp8_token_activation& x);

// Y[M][N] = dequant(X) * dequant(W)^T, FP32 accumulation in the order described above.
// Throws std::invalid_argument when X.cols != W.cols.
std::vector<float> fp8_block_gemm_reference(const fp8_token_activation& x, const fp8_block_weight& w);

}  // namespace moeserve::quant
