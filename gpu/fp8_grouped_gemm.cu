// The small-M block-wise FP8 grouped GEMM (fp8_gemm.hpp describes the design), m_tiles 1,
// 2 and 4.
//
// Shared memory of one pipeline stage (K block kt, 128 k):
//   W  [64 n][128 B]        8 KB   chunk c (16 B) of row r stored at chunk c ^ (r & 7)
//   A  [16·m_tiles][128 B]         same swizzle; rows past the expert's count zero-filled
//   xs [16·m_tiles] fp32           the rows' scales of block kt (zero-filled likewise)
// Warp w computes k = 32w .. 32w+31 of the stage for all rows and 64 columns:
//   ldmatrix.x4 per m16 tile (A), ldmatrix.x4 per pair of n8 tiles (B), 8·m_tiles mma.sync
//   m16n8k32, then acc += partial · xs[row] · ws[n0/128][kt] in fp32.
// The four warps' sums meet in shared memory at the end, as in wint_gemm_kernel.cuh.
#include <algorithm>
#include <cstdint>

#include "gpu/cuda_check.hpp"
#include "gpu/fp8_gemm.hpp"
#include "gpu/small_m_kernel_parts.cuh"
#include "gpu/tensor_core_ops.cuh"

namespace moeserve::gpu {
namespace {

using namespace detail;

template <int MTiles>
struct fp8_tile {
  static constexpr int threads = 128, warps = 4, bn = 64, bk = 128, stages = 4;
  static constexpr int rows = 16 * MTiles;
  static constexpr int w_stage = bn * bk;
  static constexpr int a_stage = rows * bk;
  static constexpr int s_stage = std::max(rows * 4, 16);
  static constexpr int stage_bytes = w_stage + a_stage + s_stage;
  static constexpr int red_stride = bn + 4;
  static constexpr int red_bytes = warps * rows * red_stride * 4;
  static constexpr int smem_bytes = std::max(stages * stage_bytes, red_bytes);
};

__device__ inline int swizzled(int row, int chunk) { return row * 128 + ((chunk ^ (row & 7)) << 4); }

template <int MTiles>
__global__ void __launch_bounds__(128) fp8_gemm_kernel(fp8_gemm_args args) {
  using tile = fp8_tile<MTiles>;
  extern __shared__ __align__(16) unsigned char smem[];
  const int nt = blockIdx.x;
  small_m_block b;
  if (!small_m_block_setup<false, tile::rows, tile::bk>(args, b)) return;
  const int e = b.e, begin = b.begin, count = b.count, k_tiles = b.k_tiles;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int n0 = nt * tile::bn;
  const int n_blocks = (args.n + fp8_block_size - 1) / fp8_block_size;
  const std::uint8_t* w_strip = args.w + (static_cast<std::size_t>(e) * args.n + n0) * args.k;
  const float* ws_row = args.ws + (static_cast<std::size_t>(e) * n_blocks + n0 / fp8_block_size) * k_tiles;

  for (int m0 = 0; m0 < count; m0 += tile::rows) {
    const int m_rows = min(tile::rows, count - m0);
    const std::uint8_t* x_rows = args.xq + static_cast<std::size_t>(begin + m0) * args.k;

    auto load_stage = [&](int buffer, int kt) {
      unsigned char* base = smem + buffer * tile::stage_bytes;
      const std::size_t k0 = static_cast<std::size_t>(kt) * tile::bk;
#pragma unroll
      for (int i = 0; i < tile::w_stage / (16 * tile::threads); ++i) {
        const int idx = i * tile::threads + tid, r = idx >> 3, c = idx & 7;
        cp_async16(base + swizzled(r, c), w_strip + static_cast<std::size_t>(r) * args.k + k0 + c * 16, true);
      }
      unsigned char* a = base + tile::w_stage;
      // Not small_m_load_rows: with its loop (no row guard) the m_tiles 2 and 4 kernels,
      // at 255 registers, spill (measured: stack 0 -> 16 and 40 -> 80 bytes).
#pragma unroll
      for (int i = 0; i < (tile::a_stage / 16 + tile::threads - 1) / tile::threads; ++i) {
        const int idx = i * tile::threads + tid, r = idx >> 3, c = idx & 7;
        if (r < tile::rows) {
          const bool valid = r < m_rows;
          const void* src = valid
                                ? static_cast<const void*>(x_rows + static_cast<std::size_t>(r) * args.k + k0 + c * 16)
                                : static_cast<const void*>(args.xq);
          cp_async16(a + swizzled(r, c), src, valid);
        }
      }
      if (tid < tile::rows) {
        const bool valid = tid < m_rows;
        const float* src =
            valid ? args.xs + static_cast<std::size_t>(kt) * args.scale_stride + begin + m0 + tid : args.xs;
        cp_async4(a + tile::a_stage + tid * 4, src, valid);
      }
    };

    float acc[MTiles][8][4];
    small_m_zero(acc);
    const int g = lane >> 2;
    small_m_pipeline<tile::stages>(0, k_tiles, load_stage, [&](int kt) {
      const unsigned char* base = smem + (kt % tile::stages) * tile::stage_bytes;
      const unsigned char* a = base + tile::w_stage;
      const float* xs = reinterpret_cast<const float*>(a + tile::a_stage);
      const float w_scale = __ldg(ws_row + kt);
      const int chunk0 = warp * 2;

      std::uint32_t af[MTiles][4];
#pragma unroll
      for (int mt = 0; mt < MTiles; ++mt) {
        const int row = mt * 16 + (lane & 15);
        ldmatrix_x4(af[mt], a + swizzled(row, chunk0 + (lane >> 4)));
      }
      float s_lo[MTiles], s_hi[MTiles];
#pragma unroll
      for (int mt = 0; mt < MTiles; ++mt) {
        s_lo[mt] = xs[mt * 16 + g] * w_scale;
        s_hi[mt] = xs[mt * 16 + g + 8] * w_scale;
      }
#pragma unroll
      for (int jp = 0; jp < 4; ++jp) {
        std::uint32_t b[4];
        const int n = 8 * (2 * jp + (lane >> 4)) + (lane & 7);
        ldmatrix_x4(b, base + swizzled(n, chunk0 + ((lane >> 3) & 1)));
#pragma unroll
        for (int mt = 0; mt < MTiles; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            float part[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            mma_e4m3_16832(part, af[mt], b[2 * h], b[2 * h + 1]);
            float* c = acc[mt][2 * jp + h];
            c[0] += part[0] * s_lo[mt];
            c[1] += part[1] * s_lo[mt];
            c[2] += part[2] * s_hi[mt];
            c[3] += part[3] * s_hi[mt];
          }
        }
      }
    });

    const float* red = small_m_stash_partials<tile::rows, tile::red_stride>(smem, acc, warp, lane);
    small_m_store_sums<tile::warps, tile::rows, tile::red_stride, tile::bn, tile::threads, false>(
        red, args.y, args.n, n0, begin + m0, m_rows, nullptr, 0, tid);
    __syncthreads();
  }
}

template <int MTiles>
void launch(const fp8_gemm_args& args, int experts, cudaStream_t stream) {
  using tile = fp8_tile<MTiles>;
  static const bool configured = small_m_allow_smem(tile::smem_bytes, fp8_gemm_kernel<MTiles>);
  (void)configured;
  const dim3 grid(args.n / tile::bn, experts);
  fp8_gemm_kernel<MTiles><<<grid, tile::threads, tile::smem_bytes, stream>>>(args);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void fp8_grouped_gemm(const fp8_gemm_args& args, int experts, int m_tiles, cudaStream_t stream) {
  if (experts <= 0 || args.n <= 0) return;
  switch (m_tiles) {
    case 1:
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
