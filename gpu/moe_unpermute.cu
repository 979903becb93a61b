#include <stdexcept>

#include "gpu/cuda_check.hpp"
#include "gpu/moe_unpermute.hpp"

namespace moeserve::gpu {

namespace {

constexpr int max_top_k = 32;

__device__ inline void accumulate(float (&acc)[8], const uint4& v, float w) {
  const auto* p = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __bfloat1622float2(p[i]);
    acc[2 * i] += w * f.x;
    acc[2 * i + 1] += w * f.y;
  }
}

__global__ void unpermute_kernel(const uint4* __restrict__ y_perm, const int* __restrict__ slot_to_row,
                                 const float* __restrict__ weights, const uint4* __restrict__ shared, int top_k,
                                 int vectors, uint4* __restrict__ out) {
  __shared__ int rows[max_top_k];
  __shared__ float w[max_top_k];
  const int t = blockIdx.x;
  if (threadIdx.x < top_k) {
    rows[threadIdx.x] = slot_to_row[t * top_k + threadIdx.x];
    w[threadIdx.x] = weights[t * top_k + threadIdx.x];
  }
  __syncthreads();
  for (int v = threadIdx.x; v < vectors; v += blockDim.x) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; j < top_k; ++j) {
      if (rows[j] < 0) continue;
      accumulate(acc, y_perm[static_cast<long>(rows[j]) * vectors + v], w[j]);
    }
    if (shared != nullptr) accumulate(acc, shared[static_cast<long>(t) * vectors + v], 1.0f);
    uint4 o;
    auto* o2 = reinterpret_cast<__nv_bfloat162*>(&o);
#pragma unroll
    for (int i = 0; i < 4; ++i) o2[i] = __floats2bfloat162_rn(acc[2 * i], acc[2 * i + 1]);
    out[static_cast<long>(t) * vectors + v] = o;
  }
}

}  // namespace

void moe_unpermute(const __nv_bfloat16* y_perm, const int* slot_to_row, const float* topk_weights,
                   const __nv_bfloat16* shared, int tokens, int top_k, int hidden, __nv_bfloat16* out,
                   cudaStream_t stream) {
  if (hidden % 8 != 0 || top_k < 1 || top_k > max_top_k) throw std::invalid_argument("moe_unpermute: sizes");
  if (tokens <= 0) return;
  const int vectors = hidden / 8;
  const int wanted = vectors >= 256 ? 256 : ((vectors + 31) / 32) * 32;
  const int threads = wanted < 32 ? 32 : wanted;
  unpermute_kernel<<<tokens, threads, 0, stream>>>(reinterpret_cast<const uint4*>(y_perm), slot_to_row, topk_weights,
                                                   reinterpret_cast<const uint4*>(shared), top_k, vectors,
                                                   reinterpret_cast<uint4*>(out));
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
