// silu_and_mul and moe_unpermute against fp32 CPU references. Bound: the outputs are one
// bf16 rounding of an fp32 value, so ||out - ref|| / ||ref|| <= 4e-3 (rms bf16 rounding is
// about 1.1e-3).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gpu/moe_permute.hpp"
#include "gpu/moe_unpermute.hpp"
#include "gpu/silu_and_mul.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

constexpr double bf16_output_bound = 4e-3;

TEST(SiluAndMul, MatchesTheReference) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  for (auto [rows, inter] : {std::pair{1, 768}, std::pair{37, 1536}, std::pair{4096, 64}, std::pair{5, 8}}) {
    const auto gu = random_bf16_values(static_cast<std::size_t>(rows) * 2 * inter, -6, 6, rng);
    device_array<std::uint16_t> d_gu(to_bf16(gu)), d_out(static_cast<std::size_t>(rows) * inter);
    d_out.poison();
    silu_and_mul(as_bf16(d_gu), rows, inter, as_bf16_mut(d_out), nullptr);
    const auto out = from_bf16(d_out.download());
    std::vector<float> ref(out.size());
    for (int r = 0; r < rows; ++r) {
      for (int i = 0; i < inter; ++i) {
        const double g = gu[static_cast<std::size_t>(r) * 2 * inter + i];
        const double u = gu[static_cast<std::size_t>(r) * 2 * inter + inter + i];
        ref[static_cast<std::size_t>(r) * inter + i] = static_cast<float>(g / (1 + std::exp(-g)) * u);
      }
    }
    EXPECT_LE(relative_error(out, ref), bf16_output_bound) << rows << " x " << inter;
  }
}

void check_unpermute(int tokens, int experts, int top_k, int hidden, bool shared, std::mt19937& rng) {
  SCOPED_TRACE("tokens=" + std::to_string(tokens) + " shared=" + std::to_string(shared));
  const int rows = tokens * top_k;
  const auto ids = random_topk_ids(tokens, experts, top_k, rng);
  device_array<int> d_ids(ids), d_offsets(experts + 1), d_slot_to_row(rows), d_row_to_token(rows);
  moe_build_permutation(d_ids.get(), tokens, top_k, experts, d_offsets.get(), d_slot_to_row.get(), d_row_to_token.get(),
                        nullptr);
  const auto slot_to_row = d_slot_to_row.download();
  const auto y = random_bf16_values(static_cast<std::size_t>(rows) * hidden, -2, 2, rng);
  const auto s = random_bf16_values(static_cast<std::size_t>(tokens) * hidden, -2, 2, rng);
  std::vector<float> w(rows);
  std::uniform_real_distribution<float> wd(0.0f, 1.0f);
  for (auto& v : w) v = wd(rng);
  device_array<std::uint16_t> d_y(to_bf16(y)), d_s(to_bf16(s)), d_out(static_cast<std::size_t>(tokens) * hidden);
  device_array<float> d_w(w);
  d_out.poison();
  moe_unpermute(as_bf16(d_y), d_slot_to_row.get(), d_w.get(), shared ? as_bf16(d_s) : nullptr, tokens, top_k, hidden,
                as_bf16_mut(d_out), nullptr);
  const auto out = from_bf16(d_out.download());
  std::vector<float> ref(out.size());
  for (int t = 0; t < tokens; ++t) {
    for (int h = 0; h < hidden; ++h) {
      double acc = shared ? s[static_cast<std::size_t>(t) * hidden + h] : 0.0;
      for (int j = 0; j < top_k; ++j) {
        acc += static_cast<double>(w[t * top_k + j]) *
               y[static_cast<std::size_t>(slot_to_row[t * top_k + j]) * hidden + h];
      }
      ref[static_cast<std::size_t>(t) * hidden + h] = static_cast<float>(acc);
    }
  }
  EXPECT_LE(relative_error(out, ref), bf16_output_bound);
}

TEST(MoeUnpermute, SumsTheWeightedExpertRowsPlusTheSharedOutput) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  check_unpermute(1, 128, 8, 2048, false, rng);
  check_unpermute(77, 128, 8, 2048, false, rng);
  check_unpermute(64, 64, 6, 2560, true, rng);
  check_unpermute(3, 16, 2, 8, true, rng);
}

}  // namespace
}  // namespace moeserve::gpu::testing
