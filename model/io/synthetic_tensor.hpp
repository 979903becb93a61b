#pragma once
// The values of a synthetic tensor (tensor_view::synthetic, --load-format dummy as vLLM
// names it): random weights of the right shape and scale without a checkpoint, so that a
// large model runs from its config.json alone.
//
//   random   uniform in ±0.02·√3 (standard deviation 0.02, transformers' initializer
//            range), element i of the tensor from splitmix64(seed ^ i), seed a hash of
//            the tensor's name: the same values on every backend and on any read order
//   ones     norm weights
//   zeros    biases, routers' selection biases
//
// dequantize() and dequantize_rows() (dequantize.hpp) produce these values for a synthetic
// view; a device backend computes the same formula in a kernel (gpu/runner/row_kernels).
#include <cstdint>
#include <string_view>

#include "model/io/tensor_view.hpp"

namespace moeserve::model {

inline constexpr float synthetic_std = 0.02f;
inline constexpr float synthetic_half_width = synthetic_std * 1.7320508f;  // sqrt(3) std: the uniform range

inline std::uint64_t synthetic_seed(std::string_view name) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

inline float synthetic_random(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = (seed ^ index) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  const float u = static_cast<float>(z >> 40) * 0x1.0p-24f;  // [0, 1)
  return (2.0f * u - 1.0f) * synthetic_half_width;
}

// Element `index` of the synthetic tensor `t`.
inline float synthetic_value(const tensor_view& t, std::uint64_t seed, std::uint64_t index) {
  switch (t.synthetic) {
    case synthetic_fill::ones: return 1.0f;
    case synthetic_fill::zeros: return 0.0f;
    default: return synthetic_random(seed, index);
  }
}

}  // namespace moeserve::model
