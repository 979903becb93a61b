#include <algorithm>
#include <stdexcept>

#include "gpu/cuda_check.hpp"
#include "gpu/silu_and_mul.hpp"

namespace moeserve::gpu {

namespace {

__device__ inline float silu(float g) { return g / (1.0f + expf(-g)); }

// One 16-byte vector (8 values) of gate and of up per step, grid-stride.
__global__ void silu_and_mul_kernel(const uint4* __restrict__ gate_up, long rows, int vectors_per_half,
                                    uint4* __restrict__ out) {
  const long total = rows * vectors_per_half;
  for (long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<long>(gridDim.x) * blockDim.x) {
    const long r = i / vectors_per_half;
    const int v = static_cast<int>(i - r * vectors_per_half);
    const uint4 g = gate_up[r * 2 * vectors_per_half + v];
    const uint4 u = gate_up[r * 2 * vectors_per_half + vectors_per_half + v];
    const auto* g2 = reinterpret_cast<const __nv_bfloat162*>(&g);
    const auto* u2 = reinterpret_cast<const __nv_bfloat162*>(&u);
    uint4 o;
    auto* o2 = reinterpret_cast<__nv_bfloat162*>(&o);
#pragma unroll
    for (int p = 0; p < 4; ++p) {
      const float2 gf = __bfloat1622float2(g2[p]);
      const float2 uf = __bfloat1622float2(u2[p]);
      o2[p] = __floats2bfloat162_rn(silu(gf.x) * uf.x, silu(gf.y) * uf.y);
    }
    out[i] = o;
  }
}

}  // namespace

void silu_and_mul(const __nv_bfloat16* gate_up, int rows, int intermediate, __nv_bfloat16* out, cudaStream_t stream) {
  if (intermediate % 8 != 0) throw std::invalid_argument("silu_and_mul: intermediate must be a multiple of 8");
  if (rows <= 0) return;
  const int vectors = intermediate / 8;
  const long total = static_cast<long>(rows) * vectors;
  const int threads = 256;
  const int blocks = static_cast<int>(std::min<long>((total + threads - 1) / threads, 132L * 16));
  silu_and_mul_kernel<<<blocks, threads, 0, stream>>>(reinterpret_cast<const uint4*>(gate_up), rows, vectors,
                                                      reinterpret_cast<uint4*>(out));
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
