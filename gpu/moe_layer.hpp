#pragma once
// The whole MoE layer on the GPU, as a sequence of the per-step kernels:
//
//   x [T][H] ─► router GEMM (cuBLAS, fp32 out) ─► logits [T][E]
//             ─► moe_route ─► ids, weights [T][k]                    (moe_routing.hpp)
//             ─► moe_build_permutation, moe_gather_rows ─► x_perm [T·k][H]   (moe_permute.hpp)
//             ─► grouped gate/up GEMM ─► gu [T·k][2I]                (grouped_gemm.hpp)
//             ─► silu_and_mul ─► act [T·k][I]                        (silu_and_mul.hpp)
//             ─► grouped down GEMM ─► y_perm [T·k][H]
//   shared experts (when present), a dense MLP of the same kind on x:
//             ─► gate/up [T][2Is] ─► silu_and_mul ─► down [T][H]
//             ─► moe_unpermute: out[t] = Σ_j w[t][j]·y_perm[row(t,j)] + shared[t]
//
// Expert weights are stacked [E][N][K] (grouped_gemm.hpp's expert_weights, any format):
// gate_up has N = 2I with the gate projection's rows first, then the up projection's;
// down has N = H, K = I. Shared experts are one "expert" (E = 1) of intermediate Is (for
// several shared experts, their projections concatenated: Is = count · intermediate).
//
// Host synchronisation: when a grouped GEMM's plan needs the per-expert row counts on the
// host (bf16 through cuBLAS, the large-M wint path), forward() copies the offsets to pinned
// memory and synchronises `stream` once, after the permutation. The all-wint small-M case
// never synchronises (capturable in a CUDA graph). Everything else is asynchronous on
// `stream`; the layer owns its workspace (sized for max_tokens) and is not thread-safe.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <optional>
#include <vector>

#include "gpu/grouped_gemm.hpp"
#include "gpu/moe_routing.hpp"

namespace moeserve::gpu {

struct moe_layer_config {
  int hidden = 0;
  int experts = 0;
  int top_k = 0;
  int intermediate = 0;         // per expert
  int shared_intermediate = 0;  // 0: no shared experts
  bool renormalize = false;     // see moe_routing.hpp
  float norm_min = 0.0f;
};

struct moe_layer_weights {
  const __nv_bfloat16* router = nullptr;   // [E][H] bf16
  const float* correction_bias = nullptr;  // [E] fp32 (ERNIE-4.5), or nullptr
  expert_weights gate_up;                  // E x [2I][H]
  expert_weights down;                     // E x [H][I]
  expert_weights shared_gate_up;           // 1 x [2Is][H]; empty() when none
  expert_weights shared_down;              // 1 x [H][Is]
};

class moe_layer {
 public:
  moe_layer(const moe_layer_config& config, int max_tokens);
  moe_layer(const moe_layer&) = delete;
  moe_layer& operator=(const moe_layer&) = delete;
  ~moe_layer();

  // out [T][H] may not alias x. Throws std::invalid_argument on shape mismatches.
  void forward(const moe_layer_weights& w, const __nv_bfloat16* x, int tokens, __nv_bfloat16* out, cudaStream_t stream);

  // Benchmarks and tests: force the grouped GEMMs' plan (nullopt: the heuristic).
  void force_plan(std::optional<grouped_gemm_plan> plan) { forced_plan_ = plan; }

  // The last forward()'s routing, device memory, valid once the stream reaches it.
  const int* topk_ids() const noexcept { return ids_; }
  const float* topk_weights() const noexcept { return weights_; }
  const int* expert_offsets() const noexcept { return offsets_; }
  const moe_layer_config& config() const noexcept { return config_; }

 private:
  template <typename T>
  T* allocate(std::size_t count);

  moe_layer_config config_;
  int max_tokens_;
  grouped_gemm_runner gemm_;
  std::optional<grouped_gemm_plan> forced_plan_;
  std::vector<void*> allocations_;
  float* logits_ = nullptr;
  int* ids_ = nullptr;
  float* weights_ = nullptr;
  int* offsets_ = nullptr;
  int* slot_to_row_ = nullptr;
  int* row_to_token_ = nullptr;
  __nv_bfloat16* x_perm_ = nullptr;
  __nv_bfloat16* gate_up_ = nullptr;
  __nv_bfloat16* act_ = nullptr;
  __nv_bfloat16* y_perm_ = nullptr;
  __nv_bfloat16* shared_gate_up_ = nullptr;
  __nv_bfloat16* shared_act_ = nullptr;
  __nv_bfloat16* shared_out_ = nullptr;
  int* host_offsets_ = nullptr;  // pinned [E+1]
};

}  // namespace moeserve::gpu
