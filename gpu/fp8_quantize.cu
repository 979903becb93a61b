// Run-time activation quantization for block-wise FP8 (fp8_gemm.hpp): one warp per
// (row, 128-channel group); each lane reads 4 bf16 (8 bytes), the warp reduces the group's
// amax with shuffles, then each lane writes its 4 e4m3 codes (4 bytes) and lane 0 the scale.
// Division and conversion are IEEE round-to-nearest (no fast math), so codes and scales
// match quant::quantize_fp8_token_activation bit for bit.
#include <cuda_fp8.h>

#include <cstdint>

#include "gpu/cuda_check.hpp"
#include "gpu/fp8_gemm.hpp"

namespace moeserve::gpu {
namespace {

__device__ inline std::uint8_t to_e4m3(float v) {
  return static_cast<std::uint8_t>(__nv_cvt_float_to_fp8(v, __NV_SATFINITE, __NV_E4M3));
}

__global__ void __launch_bounds__(256)
    fp8_quantize_kernel(const __nv_bfloat16* x, int m, int k, std::uint8_t* xq, float* xs, int scale_stride) {
  const int groups = k / fp8_block_size;
  const long long warp_id = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (warp_id >= static_cast<long long>(m) * groups) return;
  const int row = static_cast<int>(warp_id / groups), j = static_cast<int>(warp_id % groups);
  const std::size_t base = static_cast<std::size_t>(row) * k + static_cast<std::size_t>(j) * fp8_block_size + lane * 4;
  const uint2 raw = *reinterpret_cast<const uint2*>(x + base);
  const __nv_bfloat162 lo = *reinterpret_cast<const __nv_bfloat162*>(&raw.x);
  const __nv_bfloat162 hi = *reinterpret_cast<const __nv_bfloat162*>(&raw.y);
  const float v[4] = {__low2float(lo), __high2float(lo), __low2float(hi), __high2float(hi)};
  float amax = fmaxf(fmaxf(fabsf(v[0]), fabsf(v[1])), fmaxf(fabsf(v[2]), fabsf(v[3])));
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, off));
  const float scale = __fdiv_rn(amax, 448.0f);
  std::uint32_t packed = 0;
  if (scale != 0.0f) {
#pragma unroll
    for (int i = 0; i < 4; ++i) packed |= static_cast<std::uint32_t>(to_e4m3(__fdiv_rn(v[i], scale))) << (8 * i);
  }
  *reinterpret_cast<std::uint32_t*>(xq + base) = packed;
  if (lane == 0) xs[static_cast<std::size_t>(j) * scale_stride + row] = scale;
}

}  // namespace

void fp8_quantize_activations(const __nv_bfloat16* x, int m, int k, std::uint8_t* xq, float* xs, int scale_stride,
                              cudaStream_t stream) {
  if (m <= 0) return;
  const long long warps = static_cast<long long>(m) * (k / fp8_block_size);
  const unsigned blocks = static_cast<unsigned>((warps * 32 + 255) / 256);
  fp8_quantize_kernel<<<blocks, 256, 0, stream>>>(x, m, k, xq, xs, scale_stride);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
