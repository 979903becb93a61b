#include "gpu/runner/row_kernels.hpp"

#include <algorithm>

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

namespace {

constexpr int norm_threads = 256;

int grid_for(std::size_t count, int threads = 256) {
  return static_cast<int>(std::min<std::size_t>((count + threads - 1) / threads, 65535 * 8));
}

// Sum over the block (blockDim.x == norm_threads), every thread gets the total.
__device__ float block_sum(float v) {
  __shared__ float partial[norm_threads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // partial may still be read by a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  float total = 0;
  for (int i = 0; i < norm_threads / 32; ++i) total += partial[i];
  return total;
}

__global__ void embed_kernel(const __nv_bfloat16* table, const std::int32_t* tokens, int n, int cols,
                             __nv_bfloat16* out) {
  const std::size_t total = static_cast<std::size_t>(n) * cols;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t t = i / cols, c = i % cols;
    out[i] = table[static_cast<std::size_t>(tokens[t]) * cols + c];
  }
}

// One block per row. With `residual`, residual = bf16(residual + x) first, and the norm is
// of the rounded residual.
__global__ void rms_norm_kernel(__nv_bfloat16* residual, const __nv_bfloat16* x, const float* w, int cols, float eps,
                                __nv_bfloat16* out) {
  const std::size_t row = blockIdx.x;
  const __nv_bfloat16* xr = x + row * cols;
  __nv_bfloat16* rr = residual ? residual + row * cols : nullptr;
  float sq = 0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    float v = __bfloat162float(xr[c]);
    if (rr) {
      const __nv_bfloat16 sum = __float2bfloat16(__bfloat162float(rr[c]) + v);
      rr[c] = sum;
      v = __bfloat162float(sum);
    }
    sq += v * v;
  }
  const float inv = rsqrtf(block_sum(sq) / static_cast<float>(cols) + eps);
  const __nv_bfloat16* src = rr ? rr : xr;
  for (int c = threadIdx.x; c < cols; c += blockDim.x)
    out[row * cols + c] = __float2bfloat16(__bfloat162float(src[c]) * inv * w[c]);
}

// One warp per head.
__global__ void head_rms_norm_kernel(__nv_bfloat16* x, const float* w, std::size_t heads, int head_dim, float eps) {
  const std::size_t head = (blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (head >= heads) return;
  __nv_bfloat16* h = x + head * head_dim;
  float sq = 0;
  for (int d = lane; d < head_dim; d += 32) {
    const float v = __bfloat162float(h[d]);
    sq += v * v;
  }
  for (int o = 16; o > 0; o >>= 1) sq += __shfl_xor_sync(0xffffffffu, sq, o);
  const float inv = rsqrtf(sq / static_cast<float>(head_dim) + eps);
  for (int d = lane; d < head_dim; d += 32) h[d] = __float2bfloat16(__bfloat162float(h[d]) * inv * w[d]);
}

// One thread per (row, head, pair).
__global__ void rope_kernel(__nv_bfloat16* x, int n, int cols, int head_dim, rope_args a) {
  const int pairs = a.rotary_dims / 2, heads = cols / head_dim;
  const std::size_t total = static_cast<std::size_t>(n) * heads * pairs;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const int p = static_cast<int>(i % pairs);
    const std::size_t head = i / pairs;  // row * heads + h
    const std::size_t row = head / heads;
    __nv_bfloat16* v = x + head * head_dim;
    const float angle = static_cast<float>(a.positions[row]) * a.inv_freq[p];
    float s, c;
    sincosf(angle, &s, &c);
    c *= a.scaling;
    s *= a.scaling;
    const int ia = a.neox ? p : 2 * p, ib = a.neox ? p + pairs : 2 * p + 1;
    const float x0 = __bfloat162float(v[ia]), x1 = __bfloat162float(v[ib]);
    v[ia] = __float2bfloat16(x0 * c - x1 * s);
    v[ib] = __float2bfloat16(x1 * c + x0 * s);
  }
}

__global__ void silu_mul_kernel(const __nv_bfloat16* gate, const __nv_bfloat16* up, std::size_t count,
                                __nv_bfloat16* out) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float g = __bfloat162float(gate[i]);
    out[i] = __float2bfloat16(g / (1.0f + __expf(-g)) * __bfloat162float(up[i]));
  }
}

__global__ void gather_kernel(const __nv_bfloat16* x, const std::int32_t* rows, int n, int cols, __nv_bfloat16* out) {
  const std::size_t total = static_cast<std::size_t>(n) * cols;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t r = i / cols, c = i % cols;
    out[i] = x[static_cast<std::size_t>(rows[r]) * cols + c];
  }
}

__global__ void add_bias_kernel(__nv_bfloat16* y, const float* bias, std::size_t total, int cols) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    y[i] = __float2bfloat16(__bfloat162float(y[i]) + bias[i % cols]);
}

__global__ void add_into_kernel(__nv_bfloat16* y, const __nv_bfloat16* x, std::size_t count) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    y[i] = __float2bfloat16(__bfloat162float(y[i]) + __bfloat162float(x[i]));
}

__global__ void to_f32_kernel(const __nv_bfloat16* x, std::size_t count, float* out) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = __bfloat162float(x[i]);
}

__global__ void to_bf16_kernel(const float* x, std::size_t count, __nv_bfloat16* out) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = __float2bfloat16(x[i]);
}

// model/io/synthetic_tensor.hpp's synthetic_random, on the device.
__global__ void fill_synthetic_kernel(__nv_bfloat16* out, std::size_t count, std::uint64_t seed, bool ones,
                                      float half_width) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    if (ones) {
      out[i] = __float2bfloat16(1.0f);
      continue;
    }
    std::uint64_t z = (seed ^ i) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const float u = static_cast<float>(z >> 40) * 0x1.0p-24f;
    out[i] = __float2bfloat16((2.0f * u - 1.0f) * half_width);
  }
}

}  // namespace

void fill_synthetic(__nv_bfloat16* out, std::size_t count, std::uint64_t seed, bool ones, float half_width,
                    cudaStream_t stream) {
  if (count == 0) return;
  fill_synthetic_kernel<<<grid_for(count), 256, 0, stream>>>(out, count, seed, ones, half_width);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void embed_rows(const __nv_bfloat16* table, const std::int32_t* tokens, int n, int cols, __nv_bfloat16* out,
                cudaStream_t stream) {
  if (n <= 0) return;
  embed_kernel<<<grid_for(static_cast<std::size_t>(n) * cols), 256, 0, stream>>>(table, tokens, n, cols, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void rms_norm(const __nv_bfloat16* x, const float* w, int n, int cols, float eps, __nv_bfloat16* out,
              cudaStream_t stream) {
  if (n <= 0) return;
  rms_norm_kernel<<<n, norm_threads, 0, stream>>>(nullptr, x, w, cols, eps, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void add_rms_norm(__nv_bfloat16* residual, const __nv_bfloat16* x, const float* w, int n, int cols, float eps,
                  __nv_bfloat16* out, cudaStream_t stream) {
  if (n <= 0) return;
  rms_norm_kernel<<<n, norm_threads, 0, stream>>>(residual, x, w, cols, eps, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void head_rms_norm(__nv_bfloat16* x, const float* w, int n, int cols, int head_dim, float eps, cudaStream_t stream) {
  const std::size_t heads = static_cast<std::size_t>(n) * (cols / head_dim);
  if (heads == 0) return;
  head_rms_norm_kernel<<<grid_for(heads * 32), 256, 0, stream>>>(x, w, heads, head_dim, eps);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void rope(__nv_bfloat16* x, int n, int cols, int head_dim, const rope_args& args, cudaStream_t stream) {
  const std::size_t total = static_cast<std::size_t>(n) * (cols / head_dim) * (args.rotary_dims / 2);
  if (total == 0) return;
  rope_kernel<<<grid_for(total), 256, 0, stream>>>(x, n, cols, head_dim, args);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void silu_mul(const __nv_bfloat16* gate, const __nv_bfloat16* up, std::size_t count, __nv_bfloat16* out,
              cudaStream_t stream) {
  if (count == 0) return;
  silu_mul_kernel<<<grid_for(count), 256, 0, stream>>>(gate, up, count, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void gather_rows(const __nv_bfloat16* x, const std::int32_t* rows, int n, int cols, __nv_bfloat16* out,
                 cudaStream_t stream) {
  if (n <= 0) return;
  gather_kernel<<<grid_for(static_cast<std::size_t>(n) * cols), 256, 0, stream>>>(x, rows, n, cols, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void add_bias(__nv_bfloat16* y, const float* bias, int n, int cols, cudaStream_t stream) {
  const std::size_t total = static_cast<std::size_t>(n) * cols;
  if (total == 0) return;
  add_bias_kernel<<<grid_for(total), 256, 0, stream>>>(y, bias, total, cols);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void add_into(__nv_bfloat16* y, const __nv_bfloat16* x, std::size_t count, cudaStream_t stream) {
  if (count == 0) return;
  add_into_kernel<<<grid_for(count), 256, 0, stream>>>(y, x, count);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void bf16_to_f32(const __nv_bfloat16* x, std::size_t count, float* out, cudaStream_t stream) {
  if (count == 0) return;
  to_f32_kernel<<<grid_for(count), 256, 0, stream>>>(x, count, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void f32_to_bf16(const float* x, std::size_t count, __nv_bfloat16* out, cudaStream_t stream) {
  if (count == 0) return;
  to_bf16_kernel<<<grid_for(count), 256, 0, stream>>>(x, count, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
