#include "gpu/runner/paged_attention.hpp"

#include <algorithm>
#include <cfloat>
#include <stdexcept>

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

namespace {

constexpr int warps_per_block = 4;

__device__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

__device__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// q·k over head_dim, q in shared memory as floats; k a cache row.
template <bool vector_loads>
__device__ float dot_row(const float* q, const __nv_bfloat16* k, int head_dim) {
  float s = 0;
  if constexpr (vector_loads) {
    for (int d = 0; d < head_dim; d += 8) {
      const uint4 raw = *reinterpret_cast<const uint4*>(k + d);
      const auto* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float2 f = __bfloat1622float2(pairs[i]);
        s += q[d + 2 * i] * f.x + q[d + 2 * i + 1] * f.y;
      }
    }
  } else {
    for (int d = 0; d < head_dim; ++d) s += q[d] * __bfloat162float(k[d]);
  }
  return s;
}

template <int dims_per_lane, bool vector_loads>
__global__ void __launch_bounds__(warps_per_block * 32)
    paged_attention_kernel(paged_attention_args a) {
  __shared__ float q_shared[warps_per_block][paged_attention_max_head_dim];
  __shared__ float p_shared[warps_per_block][32];
  __shared__ std::int64_t row_shared[warps_per_block][32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int t = blockIdx.x;
  const int h = blockIdx.y * warps_per_block + warp;
  if (h >= a.heads) return;  // whole warps leave; no block-wide barrier follows
  const int hd = a.head_dim;
  const int kv_head = h / (a.heads / a.kv_heads);
  const std::size_t q_offset = (static_cast<std::size_t>(t) * a.heads + h) * hd;
  for (int d = lane; d < hd; d += 32) q_shared[warp][d] = __bfloat162float(a.q[q_offset + d]) * a.scale;
  __syncwarp();

  const int pos = a.positions[t];
  const std::int32_t* table = a.block_tables + a.block_table_start[a.token_sequence[t]];
  const std::int64_t row_stride = static_cast<std::int64_t>(a.kv_heads) * hd;
  float m = -FLT_MAX, l = 0;
  float acc[dims_per_lane];
#pragma unroll
  for (int i = 0; i < dims_per_lane; ++i) acc[i] = 0;

  for (int base = 0; base <= pos; base += 32) {
    const int j = base + lane;
    float s = -FLT_MAX;
    std::int64_t row = 0;
    if (j <= pos) {
      const std::int64_t slot = static_cast<std::int64_t>(table[j / a.block_size]) * a.block_size + j % a.block_size;
      row = slot * row_stride + static_cast<std::int64_t>(kv_head) * hd;
      s = dot_row<vector_loads>(q_shared[warp], a.k_cache + row, hd);
    }
    const float m_new = fmaxf(m, warp_max(s));
    const float p = j <= pos ? expf(s - m_new) : 0.0f;
    const float correction = expf(m - m_new);
    l = l * correction + warp_sum(p);
#pragma unroll
    for (int i = 0; i < dims_per_lane; ++i) acc[i] *= correction;
    p_shared[warp][lane] = p;
    row_shared[warp][lane] = row;
    __syncwarp();
    const int count = min(32, pos - base + 1);
    for (int jj = 0; jj < count; ++jj) {
      const float pj = p_shared[warp][jj];
      const __nv_bfloat16* v = a.v_cache + row_shared[warp][jj];
#pragma unroll
      for (int i = 0; i < dims_per_lane; ++i) {
        const int d = lane + 32 * i;
        if (d < hd) acc[i] += pj * __bfloat162float(v[d]);
      }
    }
    __syncwarp();
    m = m_new;
  }
  const float inv = 1.0f / l;
#pragma unroll
  for (int i = 0; i < dims_per_lane; ++i) {
    const int d = lane + 32 * i;
    if (d < hd) a.out[q_offset + d] = __float2bfloat16(acc[i] * inv);
  }
}

template <int dims_per_lane>
void launch(const paged_attention_args& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.tokens), static_cast<unsigned>((a.heads + warps_per_block - 1) / warps_per_block));
  if (a.head_dim % 8 == 0)
    paged_attention_kernel<dims_per_lane, true><<<grid, warps_per_block * 32, 0, stream>>>(a);
  else
    paged_attention_kernel<dims_per_lane, false><<<grid, warps_per_block * 32, 0, stream>>>(a);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

__global__ void store_kv_kernel(const __nv_bfloat16* k, const __nv_bfloat16* v, const std::int64_t* slots,
                                std::size_t total, int kv_dim, __nv_bfloat16* k_cache, __nv_bfloat16* v_cache) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t t = i / kv_dim, e = i % kv_dim;
    const std::size_t dst = static_cast<std::size_t>(slots[t]) * kv_dim + e;
    k_cache[dst] = k[i];
    v_cache[dst] = v[i];
  }
}

}  // namespace

void paged_attention(const paged_attention_args& a, cudaStream_t stream) {
  if (a.tokens <= 0) return;
  if (a.head_dim <= 0 || a.head_dim > paged_attention_max_head_dim || a.head_dim % 2 != 0)
    throw std::invalid_argument("paged_attention: head_dim must be even and at most 256");
  if (a.kv_heads <= 0 || a.heads % a.kv_heads != 0 || a.block_size <= 0)
    throw std::invalid_argument("paged_attention: heads must be a multiple of kv_heads");
  if (a.head_dim <= 32)
    launch<1>(a, stream);
  else if (a.head_dim <= 64)
    launch<2>(a, stream);
  else if (a.head_dim <= 128)
    launch<4>(a, stream);
  else
    launch<8>(a, stream);
}

void store_kv(const __nv_bfloat16* k, const __nv_bfloat16* v, const std::int64_t* slots, int tokens, int kv_dim,
              __nv_bfloat16* k_cache, __nv_bfloat16* v_cache, cudaStream_t stream) {
  const std::size_t total = static_cast<std::size_t>(tokens) * kv_dim;
  if (total == 0) return;
  const int grid = static_cast<int>(std::min<std::size_t>((total + 255) / 256, 65535 * 8));
  store_kv_kernel<<<grid, 256, 0, stream>>>(k, v, slots, total, kv_dim, k_cache, v_cache);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
