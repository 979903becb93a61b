#pragma once
// Split-K and the compacted grid of the small-M weight-only kernels (wint_gemm_kernel.cuh,
// wint2_gemm.cu), for the few-rows regime where N/64 strips × active experts is too few
// blocks to keep enough weight bytes in flight.
//
// Grid = (N/64, slots, splits). Block (nt, y, s):
//   expert: y itself, or, with a compacted grid (args.slots > 0), the y-th expert that has
//           rows (found by one warp scanning the device offsets; y past the last: exits).
//   K:      k-tiles [s·per, min(k_tiles, (s+1)·per)), per = ceil(k_tiles / splits); a
//           range may be empty (its partial is then zero).
//
// Reduction (deterministic, one kernel, no workspace): the splits of a strip are one
// thread-block cluster (cluster dims (1, 1, splits), at most 8: portable). Each block
// leaves its warps' fp32 sums in its shared memory; after a cluster barrier, split 0 reads
// every split's sums through distributed shared memory in the fixed order s = 0 .. splits-1,
// applies the per-channel scale and writes bf16 y; a second barrier keeps the others'
// shared memory alive until then. Results are the same run to run (though not bit-equal to
// splits = 1: another summation order). A split-K block whose expert has more rows than
// one pass takes falls back (the whole cluster agrees: same expert): split 0 walks all of
// K for all passes and writes y directly, the other splits exit — correct for any
// routing, fast only where the heuristic was right.
#include <cooperative_groups.h>
#include <cuda_bf16.h>

#include <cstddef>

#include "gpu/cuda_check.hpp"

#include "gpu/wint_gemm.hpp"

namespace moeserve::gpu::detail {

// Shared memory of the few-rows (1-token) variants of the kernels (wint_gemm_args::few_rows):
// 3 blocks per SM on Hopper; their stage count is what fits in it.
inline constexpr int wint_few_rows_smem = 72 * 1024;

// Expert of block row `slot`: slot itself, or the slot-th expert with rows (-1: none).
// Every thread of the block must call it (it synchronises).
__device__ inline int wint_block_expert(const wint_gemm_args& args, int slot) {
  if (args.slots <= 0 || args.offsets == nullptr) return slot;
  __shared__ int found;
  const int lane = threadIdx.x & 31;
  if (threadIdx.x < 32) {
    // Up to 256 experts per round with independent loads (one L2 round trip per round).
    constexpr int chunks = 8;
    int result = -1, seen = 0;
    for (int base = 0; base < args.experts && result < 0; base += 32 * chunks) {
      bool active[chunks];
#pragma unroll
      for (int c = 0; c < chunks; ++c) {
        const int i = base + c * 32 + lane;
        active[c] = i < args.experts && args.offsets[i + 1] > args.offsets[i];
      }
#pragma unroll
      for (int c = 0; c < chunks; ++c) {
        const unsigned mask = __ballot_sync(0xFFFFFFFFu, active[c]);
        const int here = __popc(mask);
        if (result < 0 && slot < seen + here) {
          const unsigned below = mask & ((1u << lane) - 1u);
          const unsigned hit = __ballot_sync(0xFFFFFFFFu, active[c] && __popc(below) == slot - seen);
          result = base + c * 32 + __ffs(hit) - 1;
        }
        seen += here;
      }
    }
    if (lane == 0) found = result;
  }
  __syncthreads();
  return found;
}

// K-tile range of split `split` out of `splits`.
__device__ inline void wint_split_range(int k_tiles, int split, int splits, int& begin, int& end) {
  const int per = (k_tiles + splits - 1) / splits;
  begin = min(k_tiles, split * per);
  end = min(k_tiles, begin + per);
}

// Writes the block's strip: red holds each warp's fp32 sums, red[(w·Rows + r)·RedStride + c],
// and is complete (synchronised). row0 = the first row's index in x; channel_scale points
// at the strip's per-channel scales or is nullptr. Every thread must call it.
template <int Warps, int Rows, int RedStride>
__device__ inline void wint_store_strip(const wint_gemm_args& args, const float* red, int e, int nt, int row0,
                                        int m_rows, const float* channel_scale, int split, int splits) {
  const int n0 = nt * 64;
  if (splits == 1) {
    for (int idx = threadIdx.x; idx < m_rows * 64; idx += blockDim.x) {
      const int r = idx / 64, c = idx % 64;
      float sum = 0.0f;
#pragma unroll
      for (int w = 0; w < Warps; ++w) sum += red[(w * Rows + r) * RedStride + c];
      if (channel_scale != nullptr) sum *= channel_scale[c];
      args.y[static_cast<std::size_t>(row0 + r) * args.n + n0 + c] = __float2bfloat16_rn(sum);
    }
    return;
  }
  namespace cg = cooperative_groups;
  cg::cluster_group cluster = cg::this_cluster();
  cluster.sync();  // every split's sums are in its shared memory
  if (split == 0) {
    for (int idx = threadIdx.x; idx < m_rows * 64; idx += blockDim.x) {
      const int r = idx / 64, c = idx % 64;
      float sum = 0.0f;
      for (int s = 0; s < splits; ++s) {
        const float* theirs = cluster.map_shared_rank(red, s);
#pragma unroll
        for (int w = 0; w < Warps; ++w) sum += theirs[(w * Rows + r) * RedStride + c];
      }
      if (channel_scale != nullptr) sum *= channel_scale[c];
      args.y[static_cast<std::size_t>(row0 + r) * args.n + n0 + c] = __float2bfloat16_rn(sum);
    }
  }
  cluster.sync();  // split 0 has read everyone's shared memory
}

// Launches 128-thread blocks: `plain` (the kernel's Split = false instantiation, grid
// (N/64, E), no cluster) when K is not split, else `split` over (N/64, slots or E, splits)
// as clusters of the splits (slots count only with splits > 1). Two instantiations,
// measured: the split code compiled into the plain kernel slowed every unsplit launch
// (wint_gemm_kernel.cuh).
template <typename Kernel>
void wint_launch(Kernel plain, Kernel split, const wint_gemm_args& args, int smem_bytes, cudaStream_t stream) {
  if (args.splits <= 1) {
    plain<<<dim3(args.n / 64, args.experts), 128, smem_bytes, stream>>>(args);
  } else {
    cudaLaunchConfig_t config{};
    config.gridDim = dim3(args.n / 64, args.slots > 0 && args.offsets != nullptr ? args.slots : args.experts,
                          static_cast<unsigned>(args.splits));
    config.blockDim = dim3(128);
    config.dynamicSmemBytes = static_cast<std::size_t>(smem_bytes);
    config.stream = stream;
    cudaLaunchAttribute cluster{};
    cluster.id = cudaLaunchAttributeClusterDimension;
    cluster.val.clusterDim.x = 1;
    cluster.val.clusterDim.y = 1;
    cluster.val.clusterDim.z = static_cast<unsigned>(args.splits);
    config.attrs = &cluster;
    config.numAttrs = 1;
    MOESERVE_CUDA_CHECK(cudaLaunchKernelEx(&config, split, args));
  }
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu::detail
