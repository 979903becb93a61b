#include <algorithm>

#include "gpu/cuda_check.hpp"
#include "gpu/random_fill.hpp"

namespace moeserve::gpu {

namespace {

__device__ inline std::uint32_t mix(std::uint64_t i, std::uint32_t seed) {
  std::uint32_t x = static_cast<std::uint32_t>(i) ^ (static_cast<std::uint32_t>(i >> 32) * 0x9E3779B9u) ^ seed;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

__device__ inline float unit(std::uint64_t i, std::uint32_t seed) {
  return static_cast<float>(mix(i, seed) >> 8) * (1.0f / 16777216.0f);
}

__global__ void fill_bf16(__nv_bfloat16* p, std::size_t n, float lo, float span, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    p[i] = __float2bfloat16_rn(lo + span * unit(i, seed));
  }
}

__global__ void fill_f32(float* p, std::size_t n, float lo, float span, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    p[i] = lo + span * unit(i, seed);
  }
}

__global__ void fill_words(std::uint32_t* p, std::size_t n, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    p[i] = mix(i, seed);
  }
}

__global__ void fill_tail(unsigned char* p, std::size_t n, std::uint32_t seed) {
  if (threadIdx.x < n) p[threadIdx.x] = static_cast<unsigned char>(mix(threadIdx.x, seed ^ 0x55u));
}

unsigned blocks_for(std::size_t n) { return static_cast<unsigned>(std::min<std::size_t>((n + 255) / 256, 4096)); }

}  // namespace

void fill_uniform_bf16(__nv_bfloat16* p, std::size_t count, float lo, float hi, std::uint32_t seed,
                       cudaStream_t stream) {
  if (count == 0) return;
  fill_bf16<<<blocks_for(count), 256, 0, stream>>>(p, count, lo, hi - lo, seed);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void fill_uniform_f32(float* p, std::size_t count, float lo, float hi, std::uint32_t seed, cudaStream_t stream) {
  if (count == 0) return;
  fill_f32<<<blocks_for(count), 256, 0, stream>>>(p, count, lo, hi - lo, seed);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

void fill_random_bytes(void* p, std::size_t bytes, std::uint32_t seed, cudaStream_t stream) {
  const std::size_t words = bytes / 4;
  if (words != 0) {
    fill_words<<<blocks_for(words), 256, 0, stream>>>(static_cast<std::uint32_t*>(p), words, seed);
    MOESERVE_CUDA_CHECK(cudaGetLastError());
  }
  if (bytes % 4 != 0) {
    fill_tail<<<1, 32, 0, stream>>>(static_cast<unsigned char*>(p) + words * 4, bytes % 4, seed);
    MOESERVE_CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace moeserve::gpu
