// The small-M WINT2 grouped GEMM (wint2_gemm.hpp describes the layout and the decode):
// the pipeline and work split of wint_gemm_kernel.cuh (grid (N/64, E), 128 threads,
// 4 cp.async stages, each warp a quarter of a stage's k, sums meeting in shared memory).
//
// One stage (bk = 256 for m_tiles = 1, else 128):
//   W  bk/32 units × 512 B            (2 KB of codes per 128 k)
//   A  [16·m_tiles][bk] bf16           16-byte chunk c of row r at chunk c ^ (r & 7)
//   S  [bk/64][64] bf16                the strip's group scales
// code_scale/code_zp of the lane's 8 columns (n0 + 8j + g) stay in registers.
#include <algorithm>
#include <cstdint>

#include "gpu/cuda_check.hpp"
#include "gpu/small_m_kernel_parts.cuh"
#include "gpu/tensor_core_ops.cuh"
#include "gpu/wint2_gemm.hpp"
#include "gpu/wint_split_k.cuh"

namespace moeserve::gpu {
namespace {

using namespace detail;

// Few = true (m_tiles = 1 only): the 1-token variant of wint_gemm_kernel.cuh's wint_tile
// (8 rows per pass, rows 8-15 of the m16 tile repeat rows 0-7 in registers; as many stages as fit
// wint_few_rows_smem, here 8).
template <int MTiles, bool Few = false>
struct wint2_tile {
  static_assert(!Few || MTiles == 1, "the few-rows variant has one m-tile");
  static constexpr int threads = 128, warps = 4, bn = 64;
  static constexpr int bk = MTiles == 1 ? 256 : 128;
  static constexpr int units = bk / 32;
  static constexpr int units_per_warp = units / warps;
  static constexpr int w_stage = units * 512;
  static constexpr int rows = Few ? 8 : 16 * MTiles;
  static constexpr int a_row_bytes = bk * 2;
  static constexpr int a_stage = rows * a_row_bytes;
  static constexpr int s_stage = (bk / 64) * bn * 2;
  static constexpr int stage_bytes = w_stage + a_stage + s_stage;
  static constexpr int stages = Few ? std::min(8, wint_few_rows_smem / stage_bytes) : 4;
  static constexpr int red_stride = bn + 4;
  static constexpr int red_bytes = warps * rows * red_stride * 4;
  static constexpr int smem_bytes = std::max(stages * stage_bytes, red_bytes);
};

// Byte B of word in the low mantissa bits of 2^23 (float 2^23 + byte). `magic` holds
// 0x4B000000 in a register so that the selector can be the immediate (one PRMT, no MOV).
template <int B>
__device__ inline float byte_over_2p23(std::uint32_t word, std::uint32_t magic) {
  std::uint32_t d;
  asm("prmt.b32 %0, %1, %2, %3;\n" : "=r"(d) : "r"(word), "r"(magic), "n"(0x7650 + B));
  return __uint_as_float(d);
}

// bf16 pairs (w[4t], w[4t+1]) and (w[4t+2], w[4t+3]), unscaled, from byte B of word.
template <int B>
__device__ inline void decode_byte(std::uint32_t word, std::uint32_t magic, float cs, float zp, std::uint32_t& p01,
                                   std::uint32_t& p23) {
  const float q = byte_over_2p23<B>(word, magic) - 8388608.0f;
  const float line = __fadd_rn(__fadd_rn(__fmul_rn(q, cs), zp), 0.5f);
  const std::uint32_t code = __float_as_uint(__fadd_rd(line, 8388608.0f)) & 0x7FFFu;  // floor, mod 2^15
  const std::uint32_t d = code * 0x80001u;
  p01 = bf16x2_fma(and_or<0x003F003Fu, 0x43004300u>(d >> 9), 0x3F803F80u /* 1 */, 0xC320C320u /* -160 */);
  p23 = bf16x2_fma(and_or<0x003F003Fu, 0x43004300u>(d >> 3), 0x3F803F80u, 0xC320C320u);
}

// The lane's eight n8 tiles of one k16 half: byte j % 4 of words[j / 4] is tile j's, scaled
// by the tile's group scale s[j * 8] (one bf16 rounding).
template <int J>
__device__ inline void decode_row(const std::uint32_t (&words)[2], std::uint32_t magic, const float (&cs)[8],
                                  const float (&zp)[8], const unsigned short* s, std::uint32_t (&bf)[8][2]) {
  if constexpr (J < 8) {
    std::uint32_t b0, b1;
    decode_byte<J % 4>(words[J / 4], magic, cs[J], zp[J], b0, b1);
    const std::uint32_t one = s[J * 8];
    const std::uint32_t s2 = one | (one << 16);
    bf[J][0] = bf16x2_fma(b0, s2, 0x80008000u /* -0 */);
    bf[J][1] = bf16x2_fma(b1, s2, 0x80008000u);
    decode_row<J + 1>(words, magic, cs, zp, s, bf);
  }
}

// Split = false: the plain kernel (grid (N/64, E), all of K); Split = true: compacted grid,
// K-slice and cluster reduction (wint_split_k.cuh). Separate instantiations because the
// split code, compiled into the one kernel, cost the unsplit launches up to 24% on an H100
// (bench_moe_gpu: 1 token unsplit 23.8 -> 29.6 us, 512-token layer 1058 -> 1181 us).
template <int MTiles, bool Split, bool Few = false>
__global__ void __launch_bounds__(128) wint2_gemm_kernel(wint_gemm_args args) {
  using tile = wint2_tile<MTiles, Few>;
  extern __shared__ __align__(16) unsigned char smem[];
  const int nt = blockIdx.x;
  small_m_block b;
  if (!small_m_block_setup<Split, tile::rows, tile::bk>(args, b)) return;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;
  const int n0 = nt * tile::bn;
  const int n_tiles = args.n / tile::bn;
  const std::size_t en = static_cast<std::size_t>(Split ? args.experts : gridDim.y) * args.n;
  const unsigned char* w_strip =
      args.weights + (static_cast<std::size_t>(b.e) * n_tiles + nt) * static_cast<std::size_t>(args.k / 32) * 512;
  const auto* scales = static_cast<const unsigned char*>(args.scales);
  const float* code_scale = reinterpret_cast<const float*>(scales) + static_cast<std::size_t>(b.e) * args.n + n0 + g;
  const float* code_zp = code_scale + en;
  const __nv_bfloat16* s_strip = reinterpret_cast<const __nv_bfloat16*>(scales + en * 8) +
                                 static_cast<std::size_t>(b.e) * (args.k / 64) * args.n + n0;
  const std::uint32_t magic = 0x4B000000u;
  float cs[8], zp[8];
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    cs[j] = __ldg(code_scale + 8 * j);
    zp[j] = __ldg(code_zp + 8 * j);
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
      unsigned char* s = a + tile::a_stage;
      if (tid < (tile::bk / 64) * 8) {
        const int grp = tid / 8, c = tid % 8;
        cp_async16(s + grp * 128 + c * 16,
                   s_strip + static_cast<std::size_t>(kt * (tile::bk / 64) + grp) * args.n + c * 8, true);
      }
    };

    float acc[MTiles][8][4];
    small_m_zero(acc);
    small_m_pipeline<tile::stages>(b.kt_begin, b.k_tiles, load_stage, [&](int kt) {
      const unsigned char* base = smem + (kt % tile::stages) * tile::stage_bytes;
      const unsigned char* a = base + tile::w_stage;
      const auto* s_group = reinterpret_cast<const unsigned short*>(a + tile::a_stage);
#pragma unroll
      for (int i = 0; i < tile::units_per_warp; ++i) {
        const int u = warp * tile::units_per_warp + i;
        const uint4 codes = *reinterpret_cast<const uint4*>(base + u * 512 + lane * 16);
        const unsigned short* s = s_group + (u / 2) * tile::bn + g;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          std::uint32_t af[MTiles][4];
#pragma unroll
          for (int mt = 0; mt < MTiles; ++mt) {
            const int chunk = (u * 32 + h * 16) / 8 + (t >> 1);
            const int r0 = mt * 16 + g, r1 = r0 + 8;
            const uint2 lo =
                *reinterpret_cast<const uint2*>(a + r0 * tile::a_row_bytes + ((chunk ^ (r0 & 7)) * 16) + (t & 1) * 8);
            uint2 hi = lo;  // rows 8-15 of the few-rows variant repeat rows 0-7 (never stored)
            if constexpr (tile::rows > 8)
              hi =
                  *reinterpret_cast<const uint2*>(a + r1 * tile::a_row_bytes + ((chunk ^ (r1 & 7)) * 16) + (t & 1) * 8);
            af[mt][0] = lo.x;
            af[mt][1] = hi.x;
            af[mt][2] = lo.y;
            af[mt][3] = hi.y;
          }
          const std::uint32_t words[2] = {h == 0 ? codes.x : codes.z, h == 0 ? codes.y : codes.w};
          // All eight n8 tiles decoded first, then the eight MMAs: kept apart, the A fragment
          // stays in its registers (interleaved, the compiler rebuilt it before every MMA).
          std::uint32_t bf[8][2];
          decode_row<0>(words, magic, cs, zp, s, bf);
#pragma unroll
          for (int mt = 0; mt < MTiles; ++mt)
#pragma unroll
            for (int j = 0; j < 8; ++j) mma_bf16_16816(acc[mt][j], af[mt], bf[j][0], bf[j][1]);
        }
      }
    });

    const float* red = small_m_stash_partials<tile::rows, tile::red_stride>(smem, acc, warp, lane);
    wint_store_pass<Split, false, tile>(args, red, b, nt, b.begin + m0, m_rows, tid);
  }
}

template <int MTiles, bool Few = false>
void launch(const wint_gemm_args& args, int experts, cudaStream_t stream) {
  using tile = wint2_tile<MTiles, Few>;
  static const bool configured =
      small_m_allow_smem(tile::smem_bytes, wint2_gemm_kernel<MTiles, false, Few>, wint2_gemm_kernel<MTiles, true, Few>);
  (void)configured;
  wint_gemm_args a = args;
  a.experts = experts;
  wint_launch(wint2_gemm_kernel<MTiles, false, Few>, wint2_gemm_kernel<MTiles, true, Few>, a,
              small_m_launch_smem<tile>(args.k), stream);
}

}  // namespace

void wint2_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream) {
  if (experts <= 0 || args.n <= 0) return;
  switch (m_tiles) {
    case 1:
      if (args.few_rows)
        launch<1, true>(args, experts, stream);
      else
        launch<1>(args, experts, stream);
      break;
    case 2:
      launch<2>(args, experts, stream);
      break;
    default:
      launch<4>(args, experts, stream);
      break;
  }
}

}  // namespace moeserve::gpu
