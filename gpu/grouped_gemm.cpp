#include "gpu/grouped_gemm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/wint_gemm.hpp"

namespace moeserve::gpu {

const char* to_string(weight_format f) {
  switch (f) {
    case weight_format::bf16:
      return "bf16";
    case weight_format::wint8:
      return "wint8";
    case weight_format::wint4:
      return "wint4";
  }
  return "?";
}

const char* to_string(grouped_gemm_path p) {
  switch (p) {
    case grouped_gemm_path::cublas_bf16:
      return "cublas_bf16";
    case grouped_gemm_path::wint_small_m:
      return "wint_small_m";
    case grouped_gemm_path::wint_dequant_bf16:
      return "wint_dequant_bf16";
  }
  return "?";
}

std::size_t expert_weights::weight_bytes_per_expert() const noexcept {
  const std::size_t nk = static_cast<std::size_t>(n) * k;
  switch (format) {
    case weight_format::bf16:
      return nk * 2;
    case weight_format::wint8:
      return nk + static_cast<std::size_t>(n) * 4;
    case weight_format::wint4:
      return nk / 2 + (group_size > 0 ? nk / group_size * 2 : static_cast<std::size_t>(n) * 4);
  }
  return 0;
}

bool wint_gemm_supports(const expert_weights& w, int m_tiles) {
  if (w.format == weight_format::bf16) return false;
  if (w.n % 64 != 0 || w.k % 128 != 0) return false;
  if (m_tiles == 1 && w.k % 256 != 0) return false;
  if (w.format == weight_format::wint4 && w.group_size != 0 && w.group_size != 64 && w.group_size != 128) return false;
  return m_tiles == 1 || m_tiles == 2 || m_tiles == 4;
}

grouped_gemm_plan choose_grouped_gemm_plan(const expert_weights& w, int rows, int max_rows) {
  if (w.format == weight_format::bf16) return {grouped_gemm_path::cublas_bf16, 1};
  int expected = max_rows;
  if (expected < 0) {
    // Routing is close to uniform: a touched expert's count is about Poisson(mean); its
    // maximum over E experts stays under mean + 3·sqrt(mean) + 1.
    const double mean = static_cast<double>(rows) / std::max(1, w.experts);
    expected = static_cast<int>(std::ceil(mean + 3.0 * std::sqrt(mean) + 1.0));
    expected = std::min(expected, std::max(rows, 1));
  }
  if (expected > wint_small_m_max_rows) return {grouped_gemm_path::wint_dequant_bf16, 1};
  int m_tiles = expected <= 16 ? 1 : expected <= 32 ? 2 : 4;
  if (m_tiles == 1 && !wint_gemm_supports(w, 1)) m_tiles = 2;
  if (!wint_gemm_supports(w, m_tiles)) return {grouped_gemm_path::wint_dequant_bf16, 1};
  return {grouped_gemm_path::wint_small_m, m_tiles};
}

bool plan_needs_host_offsets(const grouped_gemm_plan& plan) { return plan.path != grouped_gemm_path::wint_small_m; }

grouped_gemm_runner::grouped_gemm_runner(std::size_t dequant_workspace_bytes)
    : dequant_bytes_(dequant_workspace_bytes) {
  const cublasStatus_t status = cublasCreate(&cublas_);
  check_cublas(status, "cublasCreate", __FILE__, __LINE__);
}

grouped_gemm_runner::~grouped_gemm_runner() {
  cudaFree(pointer_arrays_);
  cudaFree(dequant_);
  if (cublas_ != nullptr) cublasDestroy(cublas_);
}

cublasHandle_t grouped_gemm_runner::cublas() { return cublas_; }

void grouped_gemm_runner::run(const expert_weights& w, const grouped_gemm_problem& p, cudaStream_t stream) {
  int max_rows = -1;
  if (p.offsets == nullptr) {
    max_rows = p.rows;
  } else if (p.host_offsets != nullptr) {
    max_rows = 0;
    for (int e = 0; e < w.experts; ++e) max_rows = std::max(max_rows, p.host_offsets[e + 1] - p.host_offsets[e]);
  }
  run(w, p, choose_grouped_gemm_plan(w, p.rows, max_rows), stream);
}

void grouped_gemm_runner::run(const expert_weights& w, const grouped_gemm_problem& p, const grouped_gemm_plan& plan,
                              cudaStream_t stream) {
  if (p.rows <= 0) return;
  if (p.offsets == nullptr && w.experts != 1)
    throw std::invalid_argument("grouped_gemm: no offsets for several experts");
  const bool dense = p.offsets == nullptr;
  if (plan_needs_host_offsets(plan) && !dense && p.host_offsets == nullptr) {
    throw std::invalid_argument(std::string("grouped_gemm: path ") + to_string(plan.path) + " needs host offsets");
  }
  switch (plan.path) {
    case grouped_gemm_path::cublas_bf16: {
      if (w.format != weight_format::bf16) throw std::invalid_argument("grouped_gemm: cublas_bf16 needs bf16 weights");
      const auto* weights = static_cast<const __nv_bfloat16*>(w.data);
      if (dense) {
        dense_gemm_bf16(cublas_, p.x, weights, p.y, CUDA_R_16BF, p.rows, w.n, w.k, stream);
        return;
      }
      if (pointer_capacity_ < w.experts) {
        cudaFree(pointer_arrays_);
        pointer_arrays_ = nullptr;
        MOESERVE_CUDA_CHECK(cudaMalloc(&pointer_arrays_, sizeof(void*) * 3 * static_cast<std::size_t>(w.experts)));
        pointer_capacity_ = w.experts;
      }
      grouped_gemm_bf16(cublas_, weights, 0, w.experts, w.n, w.k, p.x, p.y, p.offsets, p.host_offsets,
                        static_cast<void**>(pointer_arrays_), stream);
      return;
    }
    case grouped_gemm_path::wint_small_m: {
      if (!wint_gemm_supports(w, plan.m_tiles))
        throw std::invalid_argument("grouped_gemm: shape not supported by wint_small_m");
      wint_gemm_args args;
      args.x = p.x;
      args.y = p.y;
      args.offsets = p.offsets;
      args.dense_rows = p.rows;
      args.weights = static_cast<const unsigned char*>(w.data);
      args.scales = w.scales;
      args.n = w.n;
      args.k = w.k;
      args.group_size = w.group_size;
      if (w.format == weight_format::wint8) {
        wint8_gemm(args, w.experts, plan.m_tiles, stream);
      } else if (w.group_size == 0) {
        wint4_gemm(args, w.experts, plan.m_tiles, stream);
      } else {
        wint4_grouped_gemm(args, w.experts, plan.m_tiles, stream);
      }
      return;
    }
    case grouped_gemm_path::wint_dequant_bf16:
      if (w.format == weight_format::bf16) throw std::invalid_argument("grouped_gemm: dequant path needs wint weights");
      run_dequant(w, p, stream);
      return;
  }
}

void grouped_gemm_runner::run_dequant(const expert_weights& w, const grouped_gemm_problem& p, cudaStream_t stream) {
  const std::size_t per_expert = static_cast<std::size_t>(w.n) * w.k * sizeof(__nv_bfloat16);
  const int chunk =
      static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(dequant_bytes_ / per_expert, w.experts)));
  const std::size_t staging_bytes = std::max(dequant_bytes_, per_expert);
  if (dequant_allocated_ < staging_bytes) {
    cudaFree(dequant_);
    dequant_ = nullptr;
    dequant_allocated_ = 0;
    MOESERVE_CUDA_CHECK(cudaMalloc(&dequant_, staging_bytes));
    dequant_allocated_ = staging_bytes;
  }
  auto* staging = static_cast<__nv_bfloat16*>(dequant_);
  if (p.offsets == nullptr) {
    wint_dequantize(w, 0, 1, nullptr, staging, stream);
    dense_gemm_bf16(cublas_, p.x, staging, p.y, CUDA_R_16BF, p.rows, w.n, w.k, stream);
    return;
  }
  if (pointer_capacity_ < chunk) {
    cudaFree(pointer_arrays_);
    pointer_arrays_ = nullptr;
    MOESERVE_CUDA_CHECK(cudaMalloc(&pointer_arrays_, sizeof(void*) * 3 * static_cast<std::size_t>(chunk)));
    pointer_capacity_ = chunk;
  }
  for (int e0 = 0; e0 < w.experts; e0 += chunk) {
    const int e1 = std::min(w.experts, e0 + chunk);
    if (p.host_offsets[e1] == p.host_offsets[e0]) continue;  // no rows in this chunk
    wint_dequantize(w, e0, e1, p.offsets, staging, stream);
    grouped_gemm_bf16(cublas_, staging, e0, e1, w.n, w.k, p.x, p.y, p.offsets, p.host_offsets,
                      static_cast<void**>(pointer_arrays_), stream);
  }
}

}  // namespace moeserve::gpu
