// moe_route against the CPU reference (double precision softmax). Near-ties between the
// k-th and the next score may legitimately resolve differently in fp32, so the check is on
// the scores of the chosen experts (each within 1e-6 of the reference's j-th best), not on
// ids alone; weights must match the reference formula for the ids the GPU chose.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "gpu/moe_routing.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

struct route_case {
  const char* name;
  int experts, top_k;
  bool renormalize;
  bool bias;
  float norm_min;
};

void check_routing(const route_case& c, int tokens, std::mt19937& rng) {
  SCOPED_TRACE(std::string(c.name) + " tokens=" + std::to_string(tokens));
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> logits(static_cast<std::size_t>(tokens) * c.experts);
  for (auto& v : logits) v = nd(rng);
  std::vector<float> bias;
  if (c.bias) {
    std::uniform_real_distribution<float> bd(-0.05f, 0.05f);
    bias.resize(c.experts);
    for (auto& b : bias) b = bd(rng);
  }
  device_array<float> d_logits(logits), d_bias(bias.empty() ? std::vector<float>(1) : bias);
  device_array<int> d_ids(static_cast<std::size_t>(tokens) * c.top_k);
  device_array<float> d_weights(d_ids.size());
  d_ids.poison();
  d_weights.poison();
  router_config config;
  config.experts = c.experts;
  config.top_k = c.top_k;
  config.renormalize = c.renormalize;
  config.correction_bias = c.bias ? d_bias.get() : nullptr;
  config.norm_min = c.norm_min;
  moe_route(d_logits.get(), tokens, config, d_ids.get(), d_weights.get(), nullptr);
  const auto ids = d_ids.download();
  const auto weights = d_weights.download();
  const routing ref = reference_route(logits, tokens, config, bias);

  for (int t = 0; t < tokens; ++t) {
    std::set<int> seen;
    double total = 0;
    for (int j = 0; j < c.top_k; ++j) {
      const int id = ids[t * c.top_k + j];
      ASSERT_GE(id, 0);
      ASSERT_LT(id, c.experts);
      ASSERT_TRUE(seen.insert(id).second) << "expert chosen twice, token " << t;
      const float want_score = ref.scores[t * c.experts + ref.ids[t * c.top_k + j]];
      ASSERT_NEAR(ref.scores[t * c.experts + id], want_score, 1e-6f) << "token " << t << " slot " << j;
      total += ref.probs[t * c.experts + id];
    }
    const double scale = c.renormalize ? 1.0 / std::max(total, static_cast<double>(c.norm_min)) : 1.0;
    for (int j = 0; j < c.top_k; ++j) {
      const int id = ids[t * c.top_k + j];
      const float w = weights[t * c.top_k + j];
      ASSERT_TRUE(std::isfinite(w));
      EXPECT_NEAR(w, ref.probs[t * c.experts + id] * scale, 2e-6 + 1e-5 * std::fabs(w)) << "token " << t;
    }
  }
}

TEST(MoeRouting, MatchesTheReferenceForQwenErnieAndPlainSoftmax) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  const route_case cases[] = {
      {"qwen3 norm_topk_prob", 128, 8, true, false, 0.0f},
      {"plain softmax top-k", 128, 8, false, false, 0.0f},
      {"ernie4.5 biased choice", 64, 6, true, true, 1e-12f},
      {"256 experts", 256, 8, true, false, 0.0f},
      {"top-1 of 8", 8, 1, false, false, 0.0f},
  };
  for (const auto& c : cases) {
    for (int tokens : {1, 7, 333}) check_routing(c, tokens, rng);
  }
}

TEST(MoeRouting, NormMinBoundsTheRenormalisation) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  // A norm_min above any possible sum: the weights are p / norm_min.
  check_routing({"norm_min dominates", 64, 6, true, true, 4.0f}, 50, rng);
}

TEST(MoeRouting, RejectsUnsupportedSizes) {
  router_config config;
  config.experts = 300;
  config.top_k = 8;
  EXPECT_THROW(moe_route(nullptr, 1, config, nullptr, nullptr, nullptr), std::invalid_argument);
  config.experts = 8;
  config.top_k = 9;
  EXPECT_THROW(moe_route(nullptr, 1, config, nullptr, nullptr, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::gpu::testing
