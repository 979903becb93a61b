#include <algorithm>
#include <cstdint>
#include <vector>

#include "gpu/cuda_check.hpp"
#include "gpu/device_copy.hpp"

namespace moeserve::gpu {

namespace {

constexpr int threads_per_block = 256;
constexpr int unroll = 4;  // independent 16-byte loads in flight per thread

// Grid-stride copy of n 16-byte vectors, `unroll` loads issued before the first store.
__global__ void copy_vectors(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + (unroll - 1) * stride < n; i += unroll * stride) {
    uint4 v[unroll];
#pragma unroll
    for (int u = 0; u < unroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < unroll; ++u) dst[i + u * stride] = v[u];
  }
  for (; i < n; i += stride) dst[i] = src[i];
}

__global__ void copy_bytes(const unsigned char* __restrict__ src, unsigned char* __restrict__ dst, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    dst[i] = src[i];
  }
}

// Fills with a hash of the index: non-zero, not constant.
__global__ void fill_pattern(std::uint32_t* p, std::size_t n, std::uint32_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    p[i] = x | 1u;
  }
}

int grid_for(std::size_t items) {
  int device = 0, sms = 0;
  MOESERVE_CUDA_CHECK(cudaGetDevice(&device));
  MOESERVE_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const std::size_t wanted = (items + threads_per_block - 1) / threads_per_block;
  return static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, static_cast<std::size_t>(sms) * 8)));
}

}  // namespace

void device_copy(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return;
  const auto s = reinterpret_cast<std::uintptr_t>(src);
  const auto d = reinterpret_cast<std::uintptr_t>(dst);
  std::size_t head = 0;
  if ((s % 16) == (d % 16)) {
    head = std::min<std::size_t>(bytes, (16 - s % 16) % 16);  // bytes until both are aligned
    const std::size_t vectors = (bytes - head) / 16;
    if (vectors != 0) {
      copy_vectors<<<grid_for(vectors), threads_per_block, 0, stream>>>(reinterpret_cast<const uint4*>(s + head),
                                                                        reinterpret_cast<uint4*>(d + head), vectors);
      MOESERVE_CUDA_CHECK(cudaGetLastError());
    }
    const std::size_t done = head + vectors * 16;
    if (done < bytes) {
      copy_bytes<<<grid_for(bytes - done), threads_per_block, 0, stream>>>(
          reinterpret_cast<const unsigned char*>(s + done), reinterpret_cast<unsigned char*>(d + done), bytes - done);
      MOESERVE_CUDA_CHECK(cudaGetLastError());
    }
    if (head == 0) return;
    bytes = head;  // the unaligned head, below
  }
  copy_bytes<<<grid_for(bytes), threads_per_block, 0, stream>>>(static_cast<const unsigned char*>(src),
                                                                static_cast<unsigned char*>(dst), bytes);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

copy_bandwidth measure_copy_bandwidth(std::size_t bytes, int repeats) {
  bytes = bytes / 16 * 16;
  void* a = nullptr;
  void* b = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  copy_bandwidth result;
  result.bytes = bytes;
  try {
    MOESERVE_CUDA_CHECK(cudaMalloc(&a, bytes));
    MOESERVE_CUDA_CHECK(cudaMalloc(&b, bytes));
    MOESERVE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    MOESERVE_CUDA_CHECK(cudaEventCreate(&start));
    MOESERVE_CUDA_CHECK(cudaEventCreate(&stop));
    fill_pattern<<<grid_for(bytes / 4), threads_per_block, 0, stream>>>(static_cast<std::uint32_t*>(a), bytes / 4, 1u);
    MOESERVE_CUDA_CHECK(cudaGetLastError());
    fill_pattern<<<grid_for(bytes / 4), threads_per_block, 0, stream>>>(static_cast<std::uint32_t*>(b), bytes / 4, 2u);
    MOESERVE_CUDA_CHECK(cudaGetLastError());
    for (int i = 0; i < 3; ++i) device_copy(b, a, bytes, stream);  // warm-up
    std::vector<float> ms;
    for (int i = 0; i < repeats; ++i) {
      // Alternate directions so that no run reads what the last one left in L2.
      MOESERVE_CUDA_CHECK(cudaEventRecord(start, stream));
      if (i % 2 == 0) {
        device_copy(b, a, bytes, stream);
      } else {
        device_copy(a, b, bytes, stream);
      }
      MOESERVE_CUDA_CHECK(cudaEventRecord(stop, stream));
      MOESERVE_CUDA_CHECK(cudaEventSynchronize(stop));
      float t = 0;
      MOESERVE_CUDA_CHECK(cudaEventElapsedTime(&t, start, stop));
      ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    result.median_seconds = ms.empty() ? 0.0 : ms[ms.size() / 2] * 1e-3;
    if (result.median_seconds > 0) result.bytes_per_second = 2.0 * static_cast<double>(bytes) / result.median_seconds;
  } catch (...) {
    cudaFree(a);
    cudaFree(b);
    if (stream != nullptr) cudaStreamDestroy(stream);
    if (start != nullptr) cudaEventDestroy(start);
    if (stop != nullptr) cudaEventDestroy(stop);
    throw;
  }
  MOESERVE_CUDA_CHECK(cudaFree(a));
  MOESERVE_CUDA_CHECK(cudaFree(b));
  MOESERVE_CUDA_CHECK(cudaStreamDestroy(stream));
  MOESERVE_CUDA_CHECK(cudaEventDestroy(start));
  MOESERVE_CUDA_CHECK(cudaEventDestroy(stop));
  return result;
}

}  // namespace moeserve::gpu
