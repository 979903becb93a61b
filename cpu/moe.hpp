#pragma once
// moe: the mixture-of-experts block on the CPU (see backend.hpp for the router kinds).
//
//   p = softmax(x Wr^T) per token (FP32)
//   experts = top_k of p (softmax_top_k) or of p + bias (softmax_biased_top_k)
//   w = p[experts], divided by max(sum, norm_min) when normalising
//   out = sum_e w_e * down_e(silu(gate_e x) * up_e x)  [+ shared(x)]
//
// Tokens are grouped by expert, so each expert's weights are read once per step. Ties in
// the top-k go to the lower expert index.
#include <cstdint>

#include "cpu/thread_pool.hpp"
#include "model/backend/backend.hpp"

namespace moeserve::cpu {

void moe_block(thread_pool& pool, const model::moe_weights& w, const model::moe_params& p, const float* x,
               std::int64_t n, std::int64_t hidden, float* out);

// The experts and weights the router picks for one token (exposed for tests).
struct routing {
  std::vector<int> experts;
  std::vector<float> weights;
};
routing route_token(const float* router_logits, int experts, const float* selection_bias,
                    const model::moe_params& p);

}  // namespace moeserve::cpu
