#pragma once
// MoE routing, step 2 of the layer: router logits -> softmax -> top-k expert choice ->
// routing weights, one warp per token.
//
//   logits [T][E] fp32 (row-major, from the router GEMM)
//        │ softmax over E (fp32, expf)                  p[e]
//        │ score[e] = p[e] + bias[e]   (bias only for ERNIE-4.5; else score = p)
//        ▼ top-k on score, ties to the lower expert id, in descending score order
//   ids [T][k] int32, weights [T][k] fp32
//        weight_j = p[id_j]                             (the UNBIASED probability)
//        renormalize:  weight_j /= max(Σ_j p[id_j], norm_min)
//
// Qwen3-MoE:   renormalize = norm_topk_prob, no bias, norm_min = 0.
// ERNIE-4.5:   renormalize = true, bias = e_score_correction_bias, norm_min = moe_norm_min.
// Without renormalisation the weights are the plain softmax probabilities (Mixtral-style
// models renormalise, which is the same as a softmax over the chosen logits).
//
// Limits: 1 <= top_k <= 16, top_k <= experts <= 256. All pointers are device memory; the
// launch is asynchronous on `stream` and reads/writes nothing else.
#include <cuda_runtime_api.h>

namespace moeserve::gpu {

struct router_config {
  int experts = 0;
  int top_k = 0;
  bool renormalize = false;
  const float* correction_bias = nullptr;  // device [E], or nullptr
  float norm_min = 0.0f;
};

inline constexpr int router_max_experts = 256;
inline constexpr int router_max_top_k = 16;

// Throws std::invalid_argument on unsupported sizes.
void moe_route(const float* logits, int tokens, const router_config& config, int* topk_ids, float* topk_weights,
               cudaStream_t stream);

}  // namespace moeserve::gpu
