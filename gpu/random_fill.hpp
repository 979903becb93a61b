#pragma once
// Device-side random fills for benchmarks and large tests: a counter-based hash of
// (seed, index), so the same seed gives the same data on any launch shape. Never zeros
// (METHOD: zeros hide unwritten outputs and run faster than real data).
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace moeserve::gpu {

// Uniform in [lo, hi).
void fill_uniform_bf16(__nv_bfloat16* p, std::size_t count, float lo, float hi, std::uint32_t seed,
                       cudaStream_t stream);
void fill_uniform_f32(float* p, std::size_t count, float lo, float hi, std::uint32_t seed, cudaStream_t stream);
// Uniform bytes (every value 0..255): random quantized weights in any repacked layout.
void fill_random_bytes(void* p, std::size_t bytes, std::uint32_t seed, cudaStream_t stream);

}  // namespace moeserve::gpu
