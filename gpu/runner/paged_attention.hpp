#pragma once
// Paged attention on the GPU over the scheduler's ragged batch: prefill chunks and decodes
// of several sequences in one launch, grouped-query heads, each sequence's keys and values
// found through its block table (blocks shared between sequences by the prefix cache are
// only read).
//
//   cache of one layer   K, V: bf16 [num_blocks * block_size slots][kv_heads][head_dim]
//   slot of position p   block_table[p / block_size] * block_size + p % block_size
//
//   store_kv          k, v [n][kv_heads * head_dim] -> the cache at slots[t]
//   paged_attention   out[t][h] = softmax(q[t][h] · K[0..pos_t]ᵀ · scale) · V[0..pos_t]
//                     over the keys of token t's sequence (causal: positions 0..pos_t,
//                     the step's own keys stored first), kv head = h / (heads / kv_heads)
//
// Why our own kernel and not FlashInfer's: this first GPU runner needs one kernel that is
// plainly right for every shape the scheduler builds (any block size, ragged prefill +
// decode, head_dim up to 256, GQA) and compiles quickly on the 2-core CI machine;
// FlashInfer's paged prefill/decode templates (flashinfer-python's headers) are the
// planned replacement once the speed work measures attention's share of a step. Not yet
// measured against it.
//
// The kernel: one warp per (token, head), four per block. Keys go in chunks of 32, one per
// lane (a lane's dot product over head_dim, q in shared memory), an online softmax in
// float32 across chunks, then the chunk's values accumulated with the lanes split over
// head_dim (coalesced reads). Work per token is linear in its position, so a long prefill
// is quadratic: fine for chunks of a few thousand tokens, slower than a tiled kernel.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace moeserve::gpu {

inline constexpr int paged_attention_max_head_dim = 256;

struct paged_attention_args {
  const __nv_bfloat16* q = nullptr;  // [tokens][heads * head_dim]
  __nv_bfloat16* out = nullptr;      // [tokens][heads * head_dim]
  const __nv_bfloat16* k_cache = nullptr;
  const __nv_bfloat16* v_cache = nullptr;
  const std::int32_t* positions = nullptr;          // [tokens]
  const std::int32_t* token_sequence = nullptr;     // [tokens]: index of the token's sequence
  const std::int32_t* block_table_start = nullptr;  // [sequences]: first entry in block_tables
  const std::int32_t* block_tables = nullptr;       // the sequences' tables, concatenated
  int tokens = 0, heads = 0, kv_heads = 0, head_dim = 0, block_size = 0;
  float scale = 0.0f;
};

// Throws std::invalid_argument for head_dim > 256 or odd, heads not a multiple of kv_heads.
void paged_attention(const paged_attention_args& args, cudaStream_t stream);

void store_kv(const __nv_bfloat16* k, const __nv_bfloat16* v, const std::int64_t* slots, int tokens, int kv_dim,
              __nv_bfloat16* k_cache, __nv_bfloat16* v_cache, cudaStream_t stream);

}  // namespace moeserve::gpu
