#pragma once
// attention: causal paged attention of a ragged step on the CPU (see backend.hpp).
//
// First every token's key and value go to its slot; then, for each token t at position p
// of a sequence and each query head h (KV head h / (heads / kv_heads)):
//   s_j = scale * q_t,h . k_j,   j = 0..p (through the sequence's block table)
//   out_t,h = sum_j softmax(s)_j v_j
// An int8/fp8 cache (kv_cache.hpp) is dequantized one block of one KV head at a time
// into a per-thread buffer, then read by the same kernels as the FP32 cache.
// Scores and the softmax in FP32 (max subtracted); work split over (token, head) pairs,
// tokens interleaved from both ends so that long and short contexts share out evenly.
#include "cpu/kv_cache.hpp"
#include "cpu/thread_pool.hpp"
#include "model/backend/backend.hpp"

namespace moeserve::cpu {

void paged_attention(thread_pool& pool, kv_cache& cache, const model::step_batch& batch,
                     const model::attention_params& p, const float* q, const float* k, const float* v, float* out);

}  // namespace moeserve::cpu
