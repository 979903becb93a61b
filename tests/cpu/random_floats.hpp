#pragma once
// random_floats: i.i.d. N(0, scale^2) floats from the caller's generator, for the CPU
// backend's tests against references on random inputs.
#include <random>
#include <vector>

namespace moeserve::cpu::test_support {

inline std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

}  // namespace moeserve::cpu::test_support
