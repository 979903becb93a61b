#pragma once
// MoE permutation, step 3 of the layer: the T·k (token, choice) slots are grouped by
// expert so that each expert's rows are contiguous for the grouped GEMMs.
//
//   topk_ids [T][k]          slot s = t·k + j chooses expert topk_ids[s]
//        │ count per expert, exclusive scan
//        ▼
//   offsets [E+1]            expert e owns rows [offsets[e], offsets[e+1]); offsets[E] = T·k
//   slot_to_row [T·k]        where slot s went
//   row_to_token [T·k]       which token row r holds (= slot / k)
//   x_perm [T·k][H]          x_perm[r] = x[row_to_token[r]]
//
//   rows:  | expert 0 | expert 1 |   (empty)   | expert 3 | ...
//          ^offsets[0] ^offsets[1]  offsets[2]=offsets[3]
//
// The order of rows inside one expert's range is unspecified (atomics); every later step
// treats rows independently, so the layer's result does not depend on it.
// Limits: experts <= 1024; hidden a multiple of 8 (16-byte rows). Device pointers; one
// stream; the first kernel is a single block (T·k slots, E counters in shared memory),
// the gather is one block per row.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

namespace moeserve::gpu {

inline constexpr int permute_max_experts = 1024;

// Offsets and the two maps; no data moved.
void moe_build_permutation(const int* topk_ids, int tokens, int top_k, int experts, int* offsets, int* slot_to_row,
                           int* row_to_token, cudaStream_t stream);

// x_perm[r][:] = x[row_to_token[r]][:] for r < rows.
void moe_gather_rows(const __nv_bfloat16* x, const int* row_to_token, int rows, int hidden, __nv_bfloat16* x_perm,
                     cudaStream_t stream);

}  // namespace moeserve::gpu
