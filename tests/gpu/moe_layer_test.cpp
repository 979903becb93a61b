// The whole MoE layer against a CPU reference that rounds to bf16 at the same points as
// the GPU (gate/up output, SiLU output, down output, final sum). The reference uses the
// experts and weights the GPU routing chose (read back); that routing is checked on its own
// against a double-precision router (near-ties may resolve either way, so scores are
// compared). Bound: ||out - ref|| / ||ref|| <= 2e-2 (a few bf16 roundings deep); 6e-2 for
// block_fp8, whose two GEMMs also quantize their activations to e4m3.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "gpu/moe_layer.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

constexpr double layer_bound = 2e-2;
constexpr double fp8_layer_bound = 6e-2;

std::vector<float> mlp_row(const float* x, const std::vector<float>& gate_up, const std::vector<float>& down,
                           int expert, int hidden, int inter) {
  std::vector<float> act(inter);
  const float* gu = gate_up.data() + static_cast<std::size_t>(expert) * 2 * inter * hidden;
  const float* dn = down.data() + static_cast<std::size_t>(expert) * hidden * inter;
  for (int i = 0; i < inter; ++i) {
    double g = 0, u = 0;
    for (int h = 0; h < hidden; ++h) {
      g += static_cast<double>(x[h]) * gu[static_cast<std::size_t>(i) * hidden + h];
      u += static_cast<double>(x[h]) * gu[static_cast<std::size_t>(inter + i) * hidden + h];
    }
    const float gr = round_bf16(static_cast<float>(g)), ur = round_bf16(static_cast<float>(u));
    act[i] = round_bf16(gr / (1.0f + std::exp(-gr)) * ur);
  }
  std::vector<float> y(hidden);
  for (int h = 0; h < hidden; ++h) {
    double acc = 0;
    for (int i = 0; i < inter; ++i) acc += static_cast<double>(act[i]) * dn[static_cast<std::size_t>(h) * inter + i];
    y[h] = round_bf16(static_cast<float>(acc));
  }
  return y;
}

void check_layer(const moe_layer_config& c, bool bias, const format_case& f, int tokens, std::mt19937& rng) {
  SCOPED_TRACE(std::string(to_string(f.format)) + " g" + std::to_string(f.group_size) +
               " tokens=" + std::to_string(tokens) + " experts=" + std::to_string(c.experts));
  const int h = c.hidden, e_count = c.experts, k = c.top_k;
  const auto x = random_bf16_values(static_cast<std::size_t>(tokens) * h, -1, 1, rng);
  const auto router = random_bf16_values(static_cast<std::size_t>(e_count) * h, -0.2f, 0.2f, rng);
  std::vector<float> corr;
  if (bias) corr = random_bf16_values(e_count, -0.02f, 0.02f, rng);
  const device_weights gu = make_weights(f, e_count, 2 * c.intermediate, h, rng);
  const device_weights dn = make_weights(f, e_count, h, c.intermediate, rng);
  std::unique_ptr<device_weights> sgu, sdn;
  moe_layer_weights w;
  device_array<std::uint16_t> d_x(to_bf16(x)), d_router(to_bf16(router)), d_out(static_cast<std::size_t>(tokens) * h);
  device_array<float> d_bias(bias ? corr : std::vector<float>(1));
  w.router = as_bf16(d_router);
  w.correction_bias = bias ? d_bias.get() : nullptr;
  w.gate_up = gu.view;
  w.down = dn.view;
  if (c.shared_intermediate > 0) {
    sgu = std::make_unique<device_weights>(make_weights(f, 1, 2 * c.shared_intermediate, h, rng));
    sdn = std::make_unique<device_weights>(make_weights(f, 1, h, c.shared_intermediate, rng));
    w.shared_gate_up = sgu->view;
    w.shared_down = sdn->view;
  }
  moe_layer layer(c, 512);
  d_out.poison();
  layer.forward(w, as_bf16(d_x), tokens, as_bf16_mut(d_out), nullptr);
  const auto out = from_bf16(d_out.download());
  std::vector<int> ids(static_cast<std::size_t>(tokens) * k);
  std::vector<float> weights(ids.size());
  MOESERVE_CUDA_CHECK(cudaMemcpy(ids.data(), layer.topk_ids(), ids.size() * 4, cudaMemcpyDeviceToHost));
  MOESERVE_CUDA_CHECK(cudaMemcpy(weights.data(), layer.topk_weights(), weights.size() * 4, cudaMemcpyDeviceToHost));

  // The routing, against a double-precision router over the same bf16 inputs.
  std::vector<float> logits(static_cast<std::size_t>(tokens) * e_count);
  for (int t = 0; t < tokens; ++t) {
    for (int e = 0; e < e_count; ++e) {
      double acc = 0;
      for (int i = 0; i < h; ++i)
        acc += static_cast<double>(x[t * h + i]) * router[static_cast<std::size_t>(e) * h + i];
      logits[t * e_count + e] = static_cast<float>(acc);
    }
  }
  router_config rc;
  rc.experts = e_count;
  rc.top_k = k;
  rc.renormalize = c.renormalize;
  rc.norm_min = c.norm_min;
  const routing ref_route = reference_route(logits, tokens, rc, corr);
  for (int t = 0; t < tokens; ++t) {
    for (int j = 0; j < k; ++j) {
      const int id = ids[t * k + j];
      ASSERT_GE(id, 0);
      ASSERT_LT(id, e_count);
      EXPECT_NEAR(ref_route.scores[t * e_count + id], ref_route.scores[t * e_count + ref_route.ids[t * k + j]], 1e-4);
    }
  }

  std::vector<float> ref(out.size());
  for (int t = 0; t < tokens; ++t) {
    std::vector<double> acc(h, 0.0);
    for (int j = 0; j < k; ++j) {
      const auto y = mlp_row(x.data() + static_cast<std::size_t>(t) * h, gu.reference, dn.reference, ids[t * k + j], h,
                             c.intermediate);
      for (int i = 0; i < h; ++i) acc[i] += static_cast<double>(weights[t * k + j]) * y[i];
    }
    if (c.shared_intermediate > 0) {
      const auto y = mlp_row(x.data() + static_cast<std::size_t>(t) * h, sgu->reference, sdn->reference, 0, h,
                             c.shared_intermediate);
      for (int i = 0; i < h; ++i) acc[i] += y[i];
    }
    for (int i = 0; i < h; ++i) ref[static_cast<std::size_t>(t) * h + i] = static_cast<float>(acc[i]);
  }
  const double err = relative_error(out, ref);
  std::printf("moe layer %-5s g%-3d E=%d k=%d tokens=%d shared=%d: rel err %.2e\n", to_string(f.format), f.group_size,
              e_count, k, tokens, c.shared_intermediate, err);
  EXPECT_LE(err, f.format == weight_format::block_fp8 ? fp8_layer_bound : layer_bound);
}

const format_case layer_formats[] = {{weight_format::bf16, 0},      {weight_format::wint8, 0},
                                     {weight_format::wint4, 0},     {weight_format::wint4, 128},
                                     {weight_format::block_fp8, 0}, {weight_format::wint2, 0}};

TEST(MoeLayer, QwenStyleRoutingMatchesTheReference) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  moe_layer_config c;
  c.hidden = 256;
  c.experts = 16;
  c.top_k = 4;
  c.intermediate = 128;
  c.renormalize = true;
  for (const auto& f : layer_formats) {
    for (int tokens : {1, 5, 200}) check_layer(c, false, f, tokens, rng);
  }
}

TEST(MoeLayer, ErnieStyleBiasAndSharedExpertsMatchTheReference) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  moe_layer_config c;
  c.hidden = 256;
  c.experts = 8;
  c.top_k = 3;
  c.intermediate = 256;
  c.shared_intermediate = 128;
  c.renormalize = true;
  c.norm_min = 1e-12f;
  for (const auto& f : layer_formats) {
    for (int tokens : {1, 64}) check_layer(c, true, f, tokens, rng);
  }
}

}  // namespace
}  // namespace moeserve::gpu::testing
