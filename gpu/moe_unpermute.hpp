#pragma once
// Weighted un-permutation, the layer's last step: each token sums its k expert outputs,
// weighted by the routing weights, plus the shared experts' output when there is one.
//
//   out[t][h] = Σ_j topk_weights[t][j] · y_perm[slot_to_row[t·k + j]][h]  (+ shared[t][h])
//
// Accumulated in fp32 in a fixed j order (deterministic), rounded once to bf16. Slots
// with slot_to_row < 0 are skipped. `hidden` must be a multiple of 8. Device pointers;
// asynchronous on `stream`; one block per token.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

namespace moeserve::gpu {

void moe_unpermute(const __nv_bfloat16* y_perm, const int* slot_to_row, const float* topk_weights,
                   const __nv_bfloat16* shared /* [T][H] or nullptr */, int tokens, int top_k, int hidden,
                   __nv_bfloat16* out, cudaStream_t stream);

}  // namespace moeserve::gpu
