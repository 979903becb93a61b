#include <cfloat>
#include <stdexcept>

#include "gpu/cuda_check.hpp"
#include "gpu/moe_routing.hpp"

namespace moeserve::gpu {

namespace {

constexpr int values_per_lane = router_max_experts / 32;
constexpr int warps_per_block = 4;

__device__ inline float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

__device__ inline float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Expert e lives in lane e % 32, slot e / 32: a warp reads a row with coalesced loads.
__global__ void __launch_bounds__(warps_per_block * 32)
    route_tokens(const float* __restrict__ logits, int tokens, int experts, int top_k, bool renormalize,
                 const float* __restrict__ bias, float norm_min, int* __restrict__ ids, float* __restrict__ weights) {
  const int lane = threadIdx.x & 31;
  const int token = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
  if (token >= tokens) return;
  const float* row = logits + static_cast<long>(token) * experts;

  float prob[values_per_lane], score[values_per_lane];
  float m = -FLT_MAX;
#pragma unroll
  for (int i = 0; i < values_per_lane; ++i) {
    const int e = i * 32 + lane;
    prob[i] = e < experts ? row[e] : -FLT_MAX;
    m = fmaxf(m, prob[i]);
  }
  m = warp_max(m);
  float sum = 0.0f;
#pragma unroll
  for (int i = 0; i < values_per_lane; ++i) {
    const int e = i * 32 + lane;
    prob[i] = e < experts ? expf(prob[i] - m) : 0.0f;
    sum += prob[i];
  }
  sum = warp_sum(sum);
  const float inv = 1.0f / sum;
#pragma unroll
  for (int i = 0; i < values_per_lane; ++i) {
    const int e = i * 32 + lane;
    prob[i] *= inv;
    score[i] = e < experts ? prob[i] + (bias != nullptr ? bias[e] : 0.0f) : -FLT_MAX;
  }

  float chosen_weight[router_max_top_k];
  int chosen_id[router_max_top_k];
  float total = 0.0f;
#pragma unroll
  for (int j = 0; j < router_max_top_k; ++j) {
    if (j >= top_k) break;
    // This lane's best, then the warp's best; ties go to the lower expert id.
    float best = -FLT_MAX;
    int best_e = 0x7fffffff;
    float best_p = 0.0f;
#pragma unroll
    for (int i = 0; i < values_per_lane; ++i) {
      const int e = i * 32 + lane;
      if (e < experts && (score[i] > best || (score[i] == best && e < best_e))) {
        best = score[i];
        best_e = e;
        best_p = prob[i];
      }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float other = __shfl_xor_sync(0xffffffffu, best, o);
      const int other_e = __shfl_xor_sync(0xffffffffu, best_e, o);
      const float other_p = __shfl_xor_sync(0xffffffffu, best_p, o);
      if (other > best || (other == best && other_e < best_e)) {
        best = other;
        best_e = other_e;
        best_p = other_p;
      }
    }
#pragma unroll
    for (int i = 0; i < values_per_lane; ++i) {
      if (i * 32 + lane == best_e) score[i] = -FLT_MAX;  // taken; -FLT_MAX never wins over a real one
    }
    chosen_id[j] = best_e;
    chosen_weight[j] = best_p;
    total += best_p;
  }
  const float scale = renormalize ? 1.0f / fmaxf(total, norm_min) : 1.0f;
  if (lane == 0) {
#pragma unroll
    for (int j = 0; j < router_max_top_k; ++j) {
      if (j >= top_k) break;
      ids[static_cast<long>(token) * top_k + j] = chosen_id[j];
      weights[static_cast<long>(token) * top_k + j] = chosen_weight[j] * scale;
    }
  }
}

}  // namespace

void moe_route(const float* logits, int tokens, const router_config& config, int* topk_ids, float* topk_weights,
               cudaStream_t stream) {
  if (config.experts < 1 || config.experts > router_max_experts || config.top_k < 1 ||
      config.top_k > router_max_top_k || config.top_k > config.experts || tokens < 0) {
    throw std::invalid_argument("moe_route: unsupported experts/top_k");
  }
  if (tokens == 0) return;
  const int blocks = (tokens + warps_per_block - 1) / warps_per_block;
  route_tokens<<<blocks, warps_per_block * 32, 0, stream>>>(logits, tokens, config.experts, config.top_k,
                                                            config.renormalize, config.correction_bias, config.norm_min,
                                                            topk_ids, topk_weights);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
