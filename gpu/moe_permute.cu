#include <stdexcept>

#include "gpu/cuda_check.hpp"
#include "gpu/moe_permute.hpp"

namespace moeserve::gpu {

namespace {

constexpr int scan_threads = 1024;

// One block: histogram in shared memory, a block-wide exclusive scan (one expert per
// thread), then each slot takes the next free row of its expert.
__global__ void __launch_bounds__(scan_threads)
    build_permutation(const int* __restrict__ ids, int slots, int top_k, int experts, int* __restrict__ offsets,
                      int* __restrict__ slot_to_row, int* __restrict__ row_to_token) {
  __shared__ int count[permute_max_experts];
  __shared__ int cursor[permute_max_experts];
  __shared__ int warp_total[scan_threads / 32];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  for (int e = tid; e < experts; e += scan_threads) count[e] = 0;
  __syncthreads();
  for (int s = tid; s < slots; s += scan_threads) {
    const int e = ids[s];
    if (e >= 0 && e < experts) atomicAdd(&count[e], 1);
    row_to_token[s] = 0;  // rows left over by invalid ids still gather a valid token
  }
  __syncthreads();

  // Exclusive scan of count[0..experts) with one value per thread.
  const int mine = tid < experts ? count[tid] : 0;
  int inclusive = mine;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const int v = __shfl_up_sync(0xffffffffu, inclusive, o);
    if (lane >= o) inclusive += v;
  }
  if (lane == 31) warp_total[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    int t = warp_total[lane];
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
      const int v = __shfl_up_sync(0xffffffffu, t, o);
      if (lane >= o) t += v;
    }
    warp_total[lane] = t - warp_total[lane];  // exclusive prefix of the warp totals
  }
  __syncthreads();
  const int exclusive = inclusive - mine + warp_total[warp];
  if (tid < experts) {
    offsets[tid] = exclusive;
    cursor[tid] = exclusive;
  }
  if (tid == experts - 1) offsets[experts] = exclusive + mine;
  __syncthreads();

  for (int s = tid; s < slots; s += scan_threads) {
    const int e = ids[s];
    if (e < 0 || e >= experts) {
      slot_to_row[s] = -1;  // an invalid id routes nowhere; the un-permutation skips it
      continue;
    }
    const int r = atomicAdd(&cursor[e], 1);
    slot_to_row[s] = r;
    row_to_token[r] = s / top_k;
  }
}

__global__ void gather_rows(const uint4* __restrict__ x, const int* __restrict__ row_to_token, int vectors_per_row,
                            uint4* __restrict__ x_perm) {
  const int r = blockIdx.x;
  const long src = static_cast<long>(row_to_token[r]) * vectors_per_row;
  const long dst = static_cast<long>(r) * vectors_per_row;
  for (int v = threadIdx.x; v < vectors_per_row; v += blockDim.x) x_perm[dst + v] = x[src + v];
}

}  // namespace

void moe_build_permutation(const int* topk_ids, int tokens, int top_k, int experts, int* offsets, int* slot_to_row,
                           int* row_to_token, cudaStream_t stream) {
  if (experts < 1 || experts > permute_max_experts || top_k < 1 || tokens < 0) {
    throw std::invalid_argument("moe_build_permutation: unsupported sizes");
  }
  build_permutation<<<1, scan_threads, 0, stream>>>(topk_ids, tokens * top_k, top_k, experts, offsets, slot_to_row,
                                                    row_to_token);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void moe_gather_rows(const __nv_bfloat16* x, const int* row_to_token, int rows, int hidden, __nv_bfloat16* x_perm,
                     cudaStream_t stream) {
  if (hidden % 8 != 0) throw std::invalid_argument("moe_gather_rows: hidden must be a multiple of 8");
  if (rows <= 0) return;
  const int vectors = hidden / 8;
  const int threads = vectors >= 256 ? 256 : ((vectors + 31) / 32) * 32;
  gather_rows<<<rows, threads, 0, stream>>>(reinterpret_cast<const uint4*>(x), row_to_token, vectors,
                                            reinterpret_cast<uint4*>(x_perm));
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
