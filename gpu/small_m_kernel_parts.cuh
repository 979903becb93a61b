#pragma once
// The pieces that the small-M grouped GEMM kernels share (wint_gemm_kernel.cuh,
// wint2_gemm.cu, fp8_grouped_gemm.cu): block prologue, activation tile load, pipeline
// skeleton and epilogue. Everything here is __forceinline__ so that each kernel compiles
// to what it did with these pieces written out; what differs in substance (the weight
// tile's decode and the mma calls) stays in the kernels.
//
// The kernels' common shape: 128 threads, a 64-column strip of one expert per block,
// `Stages` cp.async stages of (weights, activation rows, scales), each warp a quarter of a
// stage's k for all rows, and the four warps' fp32 sums meeting in shared memory (`red`,
// row stride RedStride floats) at the end of each pass of Rows rows.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstddef>

#include "gpu/cuda_check.hpp"
#include "gpu/tensor_core_ops.cuh"
#include "gpu/wint_split_k.cuh"

namespace moeserve::gpu::detail {

// Where a block works: expert e's rows [begin, begin + count) of x and y, and K tiles
// [kt_begin, kt_begin + k_tiles), split `split` of `splits` (0 of 1 when unsplit).
struct small_m_block {
  int e = 0, begin = 0, count = 0;
  int split = 0, splits = 1;
  int kt_begin = 0, k_tiles = 0;
};

// The block prologue: expert from blockIdx.y (Split: through the compacted grid,
// wint_block_expert), its rows from args.offsets (or args.dense_rows without offsets),
// the split from blockIdx.z / gridDim.z (an expert with more than Rows rows: split 0 does
// all of K, the others exit) and the K-tile range (wint_split_range; unsplit: all of
// args.k / Bk). Returns false where the block has nothing to do (it must then exit).
// Every thread of the block must call it (Split synchronises). Split needs wint_gemm_args.
template <bool Split, int Rows, int Bk, typename Args>
__device__ __forceinline__ bool small_m_block_setup(const Args& args, small_m_block& b) {
  b.e = blockIdx.y;
  if constexpr (Split) {
    b.e = wint_block_expert(args, blockIdx.y);
    if (b.e < 0) return false;
  }
  b.begin = 0;
  b.count = args.dense_rows;
  if (args.offsets != nullptr) {
    b.begin = args.offsets[b.e];
    b.count = args.offsets[b.e + 1] - b.begin;
  }
  if (b.count <= 0) return false;
  b.splits = 1;
  b.split = 0;
  if constexpr (Split) {
    b.splits = gridDim.z;
    b.split = blockIdx.z;
    if (b.splits > 1 && b.count > Rows) {  // more rows than expected: split 0 does it all
      if (b.split != 0) return false;
      b.splits = 1;
    }
  }
  b.kt_begin = 0;
  b.k_tiles = args.k / Bk;
  if constexpr (Split) {
    int kt_end = 0;
    wint_split_range(args.k / Bk, b.split, b.splits, b.kt_begin, kt_end);
    b.k_tiles = kt_end - b.kt_begin;
  }
  return true;
}

// cp.async of Bytes contiguous bytes (a multiple of 16 · Threads), thread tid's 16-byte
// pieces tid, tid + Threads, ...; src and dst 16-byte aligned.
template <int Bytes, int Threads>
__device__ __forceinline__ void small_m_copy_linear(unsigned char* dst, const unsigned char* src, int tid) {
#pragma unroll
  for (int i = 0; i < Bytes / (16 * Threads); ++i) {
    const int offset = (i * Threads + tid) * 16;
    cp_async16(dst + offset, src + offset, true);
  }
}

// cp.async of an activation tile: Rows rows of RowBytes bytes (16-byte chunk c of row r
// stored at chunk c ^ (r & 7): RowBytes a multiple of 128) from x_rows[r · k + k0 ..];
// rows r >= m_rows are zero-filled (their source is `any_valid`, not read). T is the
// element type (bf16 or fp8 codes); Rows · RowBytes must be a multiple of 16 · Threads.
template <int Rows, int RowBytes, int Threads, typename T, typename K0>
__device__ __forceinline__ void small_m_load_rows(unsigned char* a, const T* x_rows, const T* any_valid, int k, K0 k0,
                                                  int m_rows, int tid) {
  constexpr int chunks_per_row = RowBytes / 16;
  constexpr int per_chunk = 16 / static_cast<int>(sizeof(T));
  static_assert(Rows * chunks_per_row % Threads == 0, "whole rounds of the block's threads");
#pragma unroll
  for (int i = 0; i < Rows * chunks_per_row / Threads; ++i) {
    const int idx = i * Threads + tid;
    const int r = idx / chunks_per_row, c = idx % chunks_per_row;
    const bool valid = r < m_rows;
    const void* src = valid ? static_cast<const void*>(x_rows + static_cast<std::size_t>(r) * k + k0 + c * per_chunk)
                            : static_cast<const void*>(any_valid);
    cp_async16(a + r * RowBytes + ((c ^ (r & 7)) * 16), src, valid);
  }
}

// acc = 0 (the m16n8 accumulators of MTiles m-tiles × 8 n-tiles).
template <int MTiles>
__device__ __forceinline__ void small_m_zero(float (&acc)[MTiles][8][4]) {
#pragma unroll
  for (int mt = 0; mt < MTiles; ++mt)
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
      for (int v = 0; v < 4; ++v) acc[mt][j][v] = 0.0f;
}

// The cp.async pipeline over k_tiles K tiles starting at kt_begin: load_stage(buffer, kt)
// issues the copies of K tile kt into stage `buffer` (it is not called for tiles past the
// range; every stage is still committed, as a group possibly empty); compute(i) consumes
// the range's i-th tile, in stage i % Stages, after the block has synchronised on it.
// Leaves copies in flight (none with data): small_m_stash_partials drains them.
template <int Stages, typename Load, typename Compute>
__device__ __forceinline__ void small_m_pipeline(int kt_begin, int k_tiles, Load&& load_stage, Compute&& compute) {
#pragma unroll
  for (int s = 0; s < Stages - 1; ++s) {
    if (s < k_tiles) load_stage(s, kt_begin + s);
    cp_async_commit();
  }
  for (int kt = 0; kt < k_tiles; ++kt) {
    cp_async_wait<Stages - 2>();
    __syncthreads();
    const int next = kt + Stages - 1;
    if (next < k_tiles) load_stage(next % Stages, kt_begin + next);
    cp_async_commit();
    compute(kt);
  }
}

// The epilogue's first half: drains the pipeline, then leaves warp `warp`'s sums in the
// (now idle) pipeline shared memory as red[(warp · Rows + row) · RedStride + column], and
// synchronises. Rows 8 (the few-rows variants): rows 8-15 of the m16 tile are not stored.
// Returns red. Every thread must call it.
template <int Rows, int RedStride, int MTiles>
__device__ __forceinline__ float* small_m_stash_partials(unsigned char* smem, const float (&acc)[MTiles][8][4], int warp,
                                                         int lane) {
  cp_async_wait<0>();
  __syncthreads();
  float* red = reinterpret_cast<float*>(smem);
  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int mt = 0; mt < MTiles; ++mt) {
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      float* p = red + (warp * Rows + mt * 16 + g) * RedStride + j * 8 + 2 * t;
      *reinterpret_cast<float2*>(p) = make_float2(acc[mt][j][0], acc[mt][j][1]);
      if constexpr (Rows > 8) *reinterpret_cast<float2*>(p + 8 * RedStride) = make_float2(acc[mt][j][2], acc[mt][j][3]);
    }
  }
  __syncthreads();
  return red;
}

// The unsplit epilogue's second half: y[row0 + r][n0 + c] = bf16(Σ_w red[w][r][c]) for
// r < m_rows, c < Bn, times scales[scale0 + c] where Scaled (per-channel scales).
template <int Warps, int Rows, int RedStride, int Bn, int Threads, bool Scaled>
__device__ __forceinline__ void small_m_store_sums(const float* red, __nv_bfloat16* y, int n, int n0, int row0,
                                                   int m_rows, const float* scales, std::size_t scale0, int tid) {
  for (int idx = tid; idx < m_rows * Bn; idx += Threads) {
    const int r = idx / Bn, c = idx % Bn;
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < Warps; ++w) sum += red[(w * Rows + r) * RedStride + c];
    if constexpr (Scaled) sum *= scales[scale0 + c];
    y[static_cast<std::size_t>(row0 + r) * n + n0 + c] = __float2bfloat16_rn(sum);
  }
}

// The weight-only kernels' epilogue second half, then a barrier (the next pass reuses the
// shared memory): Split, wint_store_strip (the cluster reduction where b.splits > 1);
// else small_m_store_sums. Scaled: per-channel fp32 scales at args.scales [E][N].
template <bool Split, bool Scaled, typename Tile>
__device__ __forceinline__ void wint_store_pass(const wint_gemm_args& args, const float* red, const small_m_block& b,
                                                int nt, int row0, int m_rows, int tid) {
  const int n0 = nt * Tile::bn;
  const auto* scales = static_cast<const float*>(args.scales);
  if constexpr (Split) {
    const float* channel_scale = nullptr;
    if constexpr (Scaled) channel_scale = scales + static_cast<std::size_t>(b.e) * args.n + n0;
    wint_store_strip<Tile::warps, Tile::rows, Tile::red_stride>(args, red, b.e, nt, row0, m_rows, channel_scale,
                                                                b.split, b.splits);
  } else {
    small_m_store_sums<Tile::warps, Tile::rows, Tile::red_stride, Tile::bn, Tile::threads, Scaled>(
        red, args.y, args.n, n0, row0, m_rows, scales, static_cast<std::size_t>(b.e) * args.n + n0, tid);
  }
  __syncthreads();
}

// Raises each kernel's dynamic shared memory limit to smem_bytes (host; the launchers call
// it once, from a function-local static).
template <typename... Kernels>
bool small_m_allow_smem(int smem_bytes, Kernels... kernels) {
  (MOESERVE_CUDA_CHECK(cudaFuncSetAttribute(kernels, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes)), ...);
  return true;
}

// Dynamic shared memory one launch needs (host): the pipeline touches buffers
// kt % Tile::stages for kt < the K tiles a block walks, so with fewer K tiles than stages
// (K = 768 at bk = 256: 3 of 4) the unused buffers are not asked for and more blocks fit
// per SM; the epilogue's reduction area must fit as well. Counted over all of K, not a
// split's slice: a split-K block with more rows than one pass walks all of K.
template <typename Tile>
int small_m_launch_smem(int k) {
  const int k_tiles = k / Tile::bk;
  return std::max(std::min(Tile::stages, k_tiles) * Tile::stage_bytes, Tile::red_bytes);
}

}  // namespace moeserve::gpu::detail
