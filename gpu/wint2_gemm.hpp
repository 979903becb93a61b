#pragma once
// WINT2 (CCQ, quant/wint2.hpp) on the GPU: the load-time repack and the small-M grouped
// GEMM that decodes the codes in registers (W2A16, bf16 activations and outputs).
//
// Canonical input per expert (quant::wint2_weight, K-MAJOR W[K][N]):
//   packed[K/4][N] u8, code_scale[N] f32, code_zp[N] f32, super_scale[N] f32,
//   local_scale[K/128][N] u8 (even 64-row group in the high nibble).
//
// Device layout (repack_wint2):
//   data:   units of 32 k × 64 n = 512 bytes; unit (kt, nt) of expert e at
//           ((e·(N/64) + nt)·(K/32) + kt)·512, so a block's column strip is contiguous.
//           Lane l = 4g + t owns bytes l·16 .. l·16+15 of a unit:
//             byte h·8 + j = packed[(32kt + 16h)/4 + t][64nt + 8j + g]   h = 0, 1; j = 0..7
//           i.e. for each k16 half h and n8 tile j, the one byte that holds rows
//           16h + 4t .. 16h + 4t + 3 of the lane's B-fragment column g.
//   scales: one buffer per projection, three arrays back to back:
//             code_scale f32 [E][N] | code_zp f32 [E][N] | group scale bf16 [E][K/64][N]
//           group scale = bf16(local_scale_4bit · bf16(super_scale))  (bf16: the
//           activation dtype, as FastDeploy keeps super_scale).
//
// The kernel permutes k inside each k16 step so that one byte feeds one lane:
//   mma k-slot 2t, 2t+1  <- rows 4t, 4t+1 (windows 0, 1: shifts 9, 6)
//   mma k-slot 2t+8, 2t+9 <- rows 4t+2, 4t+3 (windows 2, 3: shifts 3, 0)
// and loads the activations with the same permutation (8 contiguous bytes x[4t..4t+3] per
// row and lane instead of ldmatrix). Per byte: code = floor(q·cs + zp + 0.5) in fp32
// exactly as quant::wint2_code (no FMA; floor via a round-down add of 2^23), then
// d = (code & 0x7FFF)·(2^19 + 1) puts two windows in the two bf16 halves:
// ((d >> 9) & 0x3F003F) | 0x43004300 = bf16 (128 + u0, 128 + u1), likewise >> 3 for u2, u3;
// minus 160 gives v exactly, times the bf16 group scale gives the weight (one rounding).
// Requirements: N % 64 == 0, K % 128 == 0 (K % 256 == 0 for m_tiles = 1),
// code_scale >= 0, code_zp >= 0 and 255·code_scale + code_zp < 2^22 (checked at repack).
//
// Measured on an H100 (bench_moe_gpu, Qwen3-30B-A3B gate_up, 1 token, commit 066ca42):
// 14.9 us with split-K 2 against wint4's 13.3 and bf16's 26.5. The decode (783 SASS
// instructions per warp and K tile against wint4's 298) bounds it: at 1 token neither kernel
// is memory-bound (docs/PERFORMANCE.md).
// Stream: the kernel runs on the given stream; the repack is host-only.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "gpu/wint_gemm.hpp"

namespace moeserve::gpu {

struct wint2_repacked {
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> scales;
};

// Arrays of all experts back to back in quant/'s per-expert layouts. Throws
// std::invalid_argument on a bad shape or a code line outside the requirements.
wint2_repacked repack_wint2(const std::uint8_t* packed, const float* code_scale, const float* code_zp,
                            const float* super_scale, const std::uint8_t* local_scale, int experts, int n, int k);

// args.weights = data, args.scales = scales (layouts above).
void wint2_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream);

}  // namespace moeserve::gpu
