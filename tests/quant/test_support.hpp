#pragma once
// Shared helpers of the quant tests: seeded Gaussian matrices and error norms.

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace moeserve::quant::testing {

// rows*cols i.i.d. N(0, sigma^2) floats from a fixed seed (same values on every run).
inline std::vector<float> gaussian(std::size_t count, std::uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// ||a - b|| / ||a||
inline double relative_error(std::span<const float> a, std::span<const float> b) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    num += d * d;
    den += static_cast<double>(a[i]) * a[i];
  }
  return den > 0.0 ? std::sqrt(num / den) : 0.0;
}

}  // namespace moeserve::quant::testing
