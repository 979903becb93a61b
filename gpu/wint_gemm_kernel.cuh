#pragma once
// The small-M W8A16/W4A16 grouped GEMM kernel template (wint_gemm.hpp describes it).
// Included only by the per-format .cu files, each of which instantiates one format for
// m_tiles 1, 2 and 4, each unsplit and split-K (keeps every translation unit small for nvcc).
#include <algorithm>
#include <cstdint>

#include "gpu/cuda_check.hpp"
#include "gpu/small_m_kernel_parts.cuh"
#include "gpu/tensor_core_ops.cuh"
#include "gpu/wint_gemm.hpp"
#include "gpu/wint_split_k.cuh"

namespace moeserve::gpu::detail {

// Few = true (m_tiles = 1 only): the 1-token variant. Rows per pass 8 (the m16 tile's
// rows 8-15 repeat rows 0-7 in registers and are never stored), which halves the activation
// stage, and as many stages as fit wint_few_rows_smem (wint_split_k.cuh; wint4 6, g64/g128
// 5), so that a block's whole K slice is in flight at once in the split-K regime.

template <int Bits, bool Grouped, int MTiles, bool Few = false>
struct wint_tile {
  static_assert(!Few || MTiles == 1, "the few-rows variant has one m-tile");
  static constexpr int threads = 128;
  static constexpr int warps = 4;
  static constexpr int bn = 64;
  static constexpr int bk = MTiles == 1 ? 256 : 128;
  static constexpr int units = bk / 16;
  static constexpr int units_per_warp = units / warps;
  static constexpr int unit_bytes = Bits * 128;  // 16 x 64 weights
  static constexpr int w_stage = units * unit_bytes;
  static constexpr int rows = Few ? 8 : 16 * MTiles;
  static constexpr int a_row_bytes = bk * 2;
  static constexpr int a_stage = rows * a_row_bytes;
  static constexpr int s_stage = Grouped ? (bk / 64) * bn * 2 : 0;  // up to bk/64 groups of 64 bf16
  static constexpr int stage_bytes = w_stage + a_stage + s_stage;
  static constexpr int stages = Few ? std::min(8, wint_few_rows_smem / stage_bytes) : 4;
  static constexpr int red_stride = bn + 4;  // floats; padding against bank conflicts
  static constexpr int red_bytes = warps * rows * red_stride * 4;
  static constexpr int smem_bytes = std::max(stages * stage_bytes, red_bytes);
};

// int4 pair: (w & 0x000F000F) | 0x43004300 is bf16 (128 + u) in each half; minus 136 = q.
__device__ inline std::uint32_t dequant_int4_pair(std::uint32_t w) {
  return bf16x2_fma(and_or<0x000F000Fu, 0x43004300u>(w), 0x3F803F80u /* 1.0 */, 0xC308C308u /* -136 */);
}

// int8: byte u into the mantissa of 2^23 (exact), minus 2^23 + 128 = q, exact in bf16:
// truncating the fp32 bits to their upper half loses nothing for |q| <= 128.
__device__ inline std::uint32_t dequant_int8_pair(std::uint32_t w, std::uint32_t sel_lo, std::uint32_t sel_hi) {
  const float lo = __uint_as_float(__byte_perm(w, 0x4B000000u, sel_lo)) - 8388736.0f;
  const float hi = __uint_as_float(__byte_perm(w, 0x4B000000u, sel_hi)) - 8388736.0f;
  return __byte_perm(__float_as_uint(lo), __float_as_uint(hi), 0x7632);
}

// Split = false is the plain kernel (grid (N/64, E), all of K, no cluster); Split = true
// adds the compacted grid, the K-slice and the cluster reduction (wint_split_k.cuh). Two
// instantiations, not one kernel with runtime branches: compiled into one kernel, the split
// code cost the unsplit launches 4-33% on an H100 (bench_moe_gpu: Qwen3 gate_up 8 tokens
// wint4 44.7 -> 48.3 us, ERNIE gate_up 512 tokens wint8 267 -> 356 us), so Split = false
// keeps exactly the code it had before split-K.
template <int Bits, bool Grouped, int MTiles, bool Split, bool Few = false>
__global__ void __launch_bounds__(128) wint_gemm_kernel(wint_gemm_args args) {
  using tile = wint_tile<Bits, Grouped, MTiles, Few>;
  extern __shared__ __align__(16) unsigned char smem[];
  const int nt = blockIdx.x;
  small_m_block b;
  if (!small_m_block_setup<Split, tile::rows, tile::bk>(args, b)) return;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int n0 = nt * tile::bn;
  const int n_tiles = args.n / tile::bn;
  const unsigned char* w_strip = args.weights + (static_cast<std::size_t>(b.e) * n_tiles + nt) *
                                                    static_cast<std::size_t>(args.k / 16) * tile::unit_bytes;
  const __nv_bfloat16* s_strip = nullptr;
  if constexpr (Grouped) {
    s_strip = static_cast<const __nv_bfloat16*>(args.scales) +
              static_cast<std::size_t>(b.e) * (args.k / args.group_size) * args.n + n0;
  }

  for (int m0 = 0; m0 < b.count; m0 += tile::rows) {
    const int m_rows = min(tile::rows, b.count - m0);
    const __nv_bfloat16* x_rows = args.x + static_cast<std::size_t>(b.begin + m0) * args.k;

    auto load_stage = [&](int buffer, int kt) {
      unsigned char* base = smem + buffer * tile::stage_bytes;
      small_m_copy_linear<tile::w_stage, tile::threads>(base, w_strip + static_cast<std::size_t>(kt) * tile::w_stage,
                                                        tid);
      unsigned char* a = base + tile::w_stage;
      small_m_load_rows<tile::rows, tile::a_row_bytes, tile::threads>(a, x_rows, args.x, args.k, kt * tile::bk, m_rows,
                                                                      tid);
      if constexpr (Grouped) {
        unsigned char* s = a + tile::a_stage;
        const int groups_here = tile::bk / args.group_size;
        const int g0 = kt * tile::bk / args.group_size;
        if (tid < groups_here * 8) {
          const int g = tid / 8, c = tid % 8;
          cp_async16(s + g * 128 + c * 16, s_strip + static_cast<std::size_t>(g0 + g) * args.n + c * 8, true);
        }
      }
    };

    float acc[MTiles][8][4];
    small_m_zero(acc);
    small_m_pipeline<tile::stages>(b.kt_begin, b.k_tiles, load_stage, [&](int kt) {
      const unsigned char* base = smem + (kt % tile::stages) * tile::stage_bytes;
      const unsigned char* a = base + tile::w_stage;
#pragma unroll
      for (int i = 0; i < tile::units_per_warp; ++i) {
        const int u = warp * tile::units_per_warp + i;
        std::uint32_t af[MTiles][4];
#pragma unroll
        for (int mt = 0; mt < MTiles; ++mt) {
          const int row = mt * 16 + (lane & (tile::rows > 8 ? 15 : 7));
          const int chunk = u * 2 + (lane >> 4);
          // With 8 rows, rows 8-15 of the m16 tile repeat rows 0-7 (their sums are never stored):
          // no registers to zero per step.
          ldmatrix_x4(af[mt], a + row * tile::a_row_bytes + ((chunk ^ (row & 7)) * 16));
        }
        std::uint32_t bf[8][2];
        if constexpr (Bits == 4) {
          const uint4 v = *reinterpret_cast<const uint4*>(base + u * 512 + lane * 16);
          const std::uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            bf[2 * q][0] = dequant_int4_pair(words[q]);
            bf[2 * q][1] = dequant_int4_pair(words[q] >> 4);
            bf[2 * q + 1][0] = dequant_int4_pair(words[q] >> 8);
            bf[2 * q + 1][1] = dequant_int4_pair(words[q] >> 12);
          }
        } else {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const uint4 v = *reinterpret_cast<const uint4*>(base + u * 1024 + h * 512 + lane * 16);
            const std::uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
            for (int q = 0; q < 4; ++q) {
              bf[4 * h + q][0] = dequant_int8_pair(words[q], 0x7440, 0x7441);
              bf[4 * h + q][1] = dequant_int8_pair(words[q], 0x7442, 0x7443);
            }
          }
        }
        if constexpr (Grouped) {
          const int g = (u * 16) / args.group_size;
          const auto* s = reinterpret_cast<const unsigned short*>(a + tile::a_stage) + g * tile::bn;
#pragma unroll
          for (int j = 0; j < 8; ++j) {
            const std::uint32_t one = s[j * 8 + (lane >> 2)];
            const std::uint32_t s2 = one | (one << 16);
            bf[j][0] = bf16x2_fma(bf[j][0], s2, 0x80008000u /* -0 */);
            bf[j][1] = bf16x2_fma(bf[j][1], s2, 0x80008000u);
          }
        }
#pragma unroll
        for (int mt = 0; mt < MTiles; ++mt)
#pragma unroll
          for (int j = 0; j < 8; ++j) mma_bf16_16816(acc[mt][j], af[mt], bf[j][0], bf[j][1]);
      }
    });

    // The four warps' partial sums meet in shared memory (the pipeline's, now idle).
    const float* red = small_m_stash_partials<tile::rows, tile::red_stride>(smem, acc, warp, lane);
    wint_store_pass<Split, !Grouped, tile>(args, red, b, nt, b.begin + m0, m_rows, tid);
  }
}

template <int Bits, bool Grouped, int MTiles, bool Few = false>
void launch_wint_gemm_tiles(const wint_gemm_args& args, int experts, cudaStream_t stream) {
  using tile = wint_tile<Bits, Grouped, MTiles, Few>;
  static const bool configured =
      small_m_allow_smem(tile::smem_bytes, wint_gemm_kernel<Bits, Grouped, MTiles, false, Few>,
                         wint_gemm_kernel<Bits, Grouped, MTiles, true, Few>);
  (void)configured;
  wint_gemm_args a = args;
  a.experts = experts;
  wint_launch(wint_gemm_kernel<Bits, Grouped, MTiles, false, Few>, wint_gemm_kernel<Bits, Grouped, MTiles, true, Few>,
              a, small_m_launch_smem<tile>(args.k), stream);
}

template <int Bits, bool Grouped>
void launch_wint_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream) {
  if (experts <= 0 || args.n <= 0) return;
  switch (m_tiles) {
    case 1:
      if constexpr (Bits == 4) {  // the few-rows variant: wint4 only (wint8's stages would not fit 3 blocks/SM)
        if (args.few_rows) {
          launch_wint_gemm_tiles<Bits, Grouped, 1, true>(args, experts, stream);
          break;
        }
      }
      launch_wint_gemm_tiles<Bits, Grouped, 1>(args, experts, stream);
      break;
    case 2:
      launch_wint_gemm_tiles<Bits, Grouped, 2>(args, experts, stream);
      break;
    default:
      launch_wint_gemm_tiles<Bits, Grouped, 4>(args, experts, stream);
      break;
  }
}

}  // namespace moeserve::gpu::detail
