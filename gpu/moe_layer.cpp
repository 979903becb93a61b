#include "gpu/moe_layer.hpp"

#include <algorithm>
#include <stdexcept>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/moe_permute.hpp"
#include "gpu/moe_unpermute.hpp"
#include "gpu/silu_and_mul.hpp"

namespace moeserve::gpu {

template <typename T>
T* moe_layer::allocate(std::size_t count) {
  void* p = nullptr;
  MOESERVE_CUDA_CHECK(cudaMalloc(&p, std::max<std::size_t>(count, 1) * sizeof(T)));
  allocations_.push_back(p);
  return static_cast<T*>(p);
}

moe_layer::moe_layer(const moe_layer_config& config, int max_tokens) : config_(config), max_tokens_(max_tokens) {
  const auto& c = config_;
  if (c.hidden <= 0 || c.experts <= 0 || c.top_k <= 0 || c.intermediate <= 0 || max_tokens <= 0) {
    throw std::invalid_argument("moe_layer: sizes must be positive");
  }
  try {
    const std::size_t t = static_cast<std::size_t>(max_tokens), rows = t * c.top_k;
    logits_ = allocate<float>(t * c.experts);
    ids_ = allocate<int>(rows);
    weights_ = allocate<float>(rows);
    offsets_ = allocate<int>(c.experts + 1);
    slot_to_row_ = allocate<int>(rows);
    row_to_token_ = allocate<int>(rows);
    x_perm_ = allocate<__nv_bfloat16>(rows * c.hidden);
    gate_up_ = allocate<__nv_bfloat16>(rows * 2 * c.intermediate);
    act_ = allocate<__nv_bfloat16>(rows * c.intermediate);
    y_perm_ = allocate<__nv_bfloat16>(rows * c.hidden);
    if (c.shared_intermediate > 0) {
      shared_gate_up_ = allocate<__nv_bfloat16>(t * 2 * c.shared_intermediate);
      shared_act_ = allocate<__nv_bfloat16>(t * c.shared_intermediate);
      shared_out_ = allocate<__nv_bfloat16>(t * c.hidden);
    }
    void* pinned = nullptr;
    MOESERVE_CUDA_CHECK(cudaMallocHost(&pinned, sizeof(int) * (c.experts + 1)));
    host_offsets_ = static_cast<int*>(pinned);
  } catch (...) {
    for (void* p : allocations_) cudaFree(p);
    throw;
  }
}

moe_layer::~moe_layer() {
  for (void* p : allocations_) cudaFree(p);
  cudaFreeHost(host_offsets_);
}

namespace {

void check_weights(const expert_weights& w, int experts, int n, int k, const char* what) {
  if (w.empty() || w.experts != experts || w.n != n || w.k != k) {
    throw std::invalid_argument(std::string("moe_layer: ") + what + " weights do not match the layer's shape");
  }
}

}  // namespace

void moe_layer::forward(const moe_layer_weights& w, const __nv_bfloat16* x, int tokens, __nv_bfloat16* out,
                        cudaStream_t stream) {
  const auto& c = config_;
  if (tokens < 0 || tokens > max_tokens_) throw std::invalid_argument("moe_layer: tokens out of range");
  check_weights(w.gate_up, c.experts, 2 * c.intermediate, c.hidden, "gate_up");
  check_weights(w.down, c.experts, c.hidden, c.intermediate, "down");
  const bool shared = c.shared_intermediate > 0;
  if (shared) {
    check_weights(w.shared_gate_up, 1, 2 * c.shared_intermediate, c.hidden, "shared gate_up");
    check_weights(w.shared_down, 1, c.hidden, c.shared_intermediate, "shared down");
  }
  if (w.router == nullptr) throw std::invalid_argument("moe_layer: no router weights");
  if (tokens == 0) return;
  const int rows = tokens * c.top_k;

  dense_gemm_bf16(gemm_.cublas(), x, w.router, logits_, CUDA_R_32F, tokens, c.experts, c.hidden, stream);
  router_config rc;
  rc.experts = c.experts;
  rc.top_k = c.top_k;
  rc.renormalize = c.renormalize;
  rc.correction_bias = w.correction_bias;
  rc.norm_min = c.norm_min;
  moe_route(logits_, tokens, rc, ids_, weights_, stream);
  moe_build_permutation(ids_, tokens, c.top_k, c.experts, offsets_, slot_to_row_, row_to_token_, stream);
  moe_gather_rows(x, row_to_token_, rows, c.hidden, x_perm_, stream);

  const grouped_gemm_plan gu_plan = forced_plan_.value_or(choose_grouped_gemm_plan(w.gate_up, rows, -1));
  const grouped_gemm_plan down_plan = forced_plan_.value_or(choose_grouped_gemm_plan(w.down, rows, -1));
  const int* host_offsets = nullptr;
  if (plan_needs_host_offsets(gu_plan) || plan_needs_host_offsets(down_plan)) {
    MOESERVE_CUDA_CHECK(
        cudaMemcpyAsync(host_offsets_, offsets_, sizeof(int) * (c.experts + 1), cudaMemcpyDeviceToHost, stream));
    MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream));
    host_offsets = host_offsets_;
  }

  grouped_gemm_problem p;
  p.x = x_perm_;
  p.y = gate_up_;
  p.rows = rows;
  p.offsets = offsets_;
  p.host_offsets = host_offsets;
  gemm_.run(w.gate_up, p, gu_plan, stream);
  silu_and_mul(gate_up_, rows, c.intermediate, act_, stream);
  p.x = act_;
  p.y = y_perm_;
  gemm_.run(w.down, p, down_plan, stream);

  if (shared) {
    grouped_gemm_problem sp;
    sp.x = x;
    sp.y = shared_gate_up_;
    sp.rows = tokens;
    gemm_.run(w.shared_gate_up, sp, stream);
    silu_and_mul(shared_gate_up_, tokens, c.shared_intermediate, shared_act_, stream);
    sp.x = shared_act_;
    sp.y = shared_out_;
    gemm_.run(w.shared_down, sp, stream);
  }
  moe_unpermute(y_perm_, slot_to_row_, weights_, shared ? shared_out_ : nullptr, tokens, c.top_k, c.hidden, out,
                stream);
}

}  // namespace moeserve::gpu
