#include "gpu/grouped_gemm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/fp8_gemm.hpp"
#include "gpu/wint2_gemm.hpp"
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
    case weight_format::block_fp8:
      return "block_fp8";
    case weight_format::wint2:
      return "wint2";
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
    case grouped_gemm_path::fp8_small_m:
      return "fp8_small_m";
    case grouped_gemm_path::fp8_cublaslt:
      return "fp8_cublaslt";
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
    case weight_format::block_fp8:
      return nk + static_cast<std::size_t>((n + 127) / 128) * (k / 128) * 4;
    case weight_format::wint2:
      return nk / 4 + static_cast<std::size_t>(n) * 8 + nk / 64 * 2;
  }
  return 0;
}

bool wint_gemm_supports(const expert_weights& w, int m_tiles) {
  if (w.format == weight_format::bf16 || w.format == weight_format::block_fp8) return false;
  if (w.n % 64 != 0 || w.k % 128 != 0) return false;
  if (m_tiles == 1 && w.k % 256 != 0) return false;
  if (w.format == weight_format::wint4 && w.group_size != 0 && w.group_size != 64 && w.group_size != 128) return false;
  return m_tiles == 1 || m_tiles == 2 || m_tiles == 4;
}

namespace {

int current_multiprocessors() {
  static const int count = [] {
    int device = 0, sms = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return sms;
  }();
  return count;
}

// Split factor for wint_small_m (grouped_gemm.hpp describes the rule); few_rows: whether
// the 8-row deep-pipeline variant runs (wint_gemm_args::few_rows). Measured on an H200
// (bench_moe_gpu, Qwen3/ERNIE, 1, 8 and 32 tokens, against the 16-row kernel at the same
// split): it gains 2-8% for group-wise wint4 and wint2 (in-register scale/decode), also
// with up to 10 rows expected (ERNIE, 32 tokens: some experts take two passes), costs 1-5%
// for per-channel wint4, and a split grid past its one wave (3 blocks per SM, not wint2's
// 4) cost wint2 25-35%. So: group-wise wint4 and wint2, up to 10 rows expected (the range
// measured), and in the split regime only while the split grid stays one wave of it.
int choose_wint_splits(const expert_weights& w, int rows, int expected, int m_tiles, int multiprocessors,
                       bool& few_rows) {
  const bool few_rows_fits =
      m_tiles == 1 && expected <= 10 &&
      (w.format == weight_format::wint2 || (w.format == weight_format::wint4 && w.group_size != 0));
  few_rows = multiprocessors > 0 && few_rows_fits;
  if (multiprocessors <= 0 || expected > 16 * m_tiles) return 1;
  double active = 1.0;
  if (w.experts > 1) {
    const double e = w.experts;
    active = std::min({e, static_cast<double>(std::max(rows, 1)), e * (1.0 - std::pow(1.0 - 1.0 / e, rows))});
  }
  const double blocks = static_cast<double>(w.n / 64) * std::max(active, 1.0);
  // One wave: resident blocks per SM as the kernels' shared memory allows at m_tiles = 1
  // (4 cp.async stages: wint2 52 KB, wint4 64 KB, wint8 96 KB; the few-rows variant 72 KB: 3).
  const int per_sm = w.format == weight_format::wint2 ? 4 : w.format == weight_format::wint4 ? 3 : 2;
  const double target = static_cast<double>(per_sm) * multiprocessors;
  if (blocks >= target) return 1;
  const int k_tiles = w.k / (m_tiles == 1 ? 256 : 128);
  int splits = std::min({wint_max_splits, k_tiles, static_cast<int>(std::floor(target / blocks))});
  // wint2 decodes in registers: a second split pays even past one wave (measured, H100).
  if (w.format == weight_format::wint2) splits = std::max(splits, std::min(2, k_tiles));
  if (splits > 1) {
    const int per = (k_tiles + splits - 1) / splits;  // no empty slice
    splits = (k_tiles + per - 1) / per;
  } else {
    splits = 1;
  }
  few_rows = few_rows && blocks * splits <= 3.0 * multiprocessors;
  return splits;
}

}  // namespace

grouped_gemm_plan choose_grouped_gemm_plan(const expert_weights& w, int rows, int max_rows) {
  return choose_grouped_gemm_plan(w, rows, max_rows, current_multiprocessors());
}

grouped_gemm_plan choose_grouped_gemm_plan(const expert_weights& w, int rows, int max_rows, int multiprocessors) {
  if (w.format == weight_format::bf16) return {grouped_gemm_path::cublas_bf16, 1};
  int expected = max_rows;
  if (expected < 0) {
    // Routing is close to uniform: a touched expert's count is about Poisson(mean); its
    // maximum over E experts stays under mean + 3·sqrt(mean) + 1.
    const double mean = static_cast<double>(rows) / std::max(1, w.experts);
    expected = static_cast<int>(std::ceil(mean + 3.0 * std::sqrt(mean) + 1.0));
    expected = std::min(expected, std::max(rows, 1));
  }
  if (w.format == weight_format::block_fp8) {
    if (w.experts == 1 && expected >= fp8_cublaslt_min_rows && expected % 8 == 0)
      return {grouped_gemm_path::fp8_cublaslt, 1};
    return {grouped_gemm_path::fp8_small_m, expected <= 16 ? 1 : expected <= 32 ? 2 : 4};
  }
  if (expected > wint_small_m_max_rows && w.format != weight_format::wint2)
    return {grouped_gemm_path::wint_dequant_bf16, 1};
  int m_tiles = expected <= 16 ? 1 : expected <= 32 ? 2 : 4;
  if (m_tiles == 1 && !wint_gemm_supports(w, 1)) m_tiles = 2;
  if (!wint_gemm_supports(w, m_tiles)) return {grouped_gemm_path::wint_dequant_bf16, 1};
  bool few_rows = false;
  const int splits = choose_wint_splits(w, rows, expected, m_tiles, multiprocessors, few_rows);
  return {grouped_gemm_path::wint_small_m, m_tiles, splits, few_rows};
}

bool plan_needs_host_offsets(const grouped_gemm_plan& plan) {
  return plan.path == grouped_gemm_path::cublas_bf16 || plan.path == grouped_gemm_path::wint_dequant_bf16;
}

grouped_gemm_runner::grouped_gemm_runner(std::size_t dequant_workspace_bytes)
    : dequant_bytes_(dequant_workspace_bytes) {
  const cublasStatus_t status = cublasCreate(&cublas_);
  check_cublas(status, "cublasCreate", __FILE__, __LINE__);
}

grouped_gemm_runner::~grouped_gemm_runner() {
  cudaFree(pointer_arrays_);
  cudaFree(dequant_);
  cudaFree(fp8_x_);
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
      if (plan.splits < 1 || plan.splits > wint_max_splits)
        throw std::invalid_argument("grouped_gemm: splits out of 1..8");
      args.splits = plan.splits;
      if (plan.few_rows && (plan.m_tiles != 1 || w.format == weight_format::wint8))
        throw std::invalid_argument("grouped_gemm: few_rows needs m_tiles 1 and wint4 or wint2");
      args.few_rows = plan.few_rows;
      if (plan.splits > 1 && p.offsets != nullptr) args.slots = std::min(w.experts, p.rows);
      if (w.format == weight_format::wint2) {
        wint2_gemm(args, w.experts, plan.m_tiles, stream);
      } else if (w.format == weight_format::wint8) {
        wint8_gemm(args, w.experts, plan.m_tiles, stream);
      } else if (w.group_size == 0) {
        wint4_gemm(args, w.experts, plan.m_tiles, stream);
      } else {
        wint4_grouped_gemm(args, w.experts, plan.m_tiles, stream);
      }
      return;
    }
    case grouped_gemm_path::fp8_small_m:
    case grouped_gemm_path::fp8_cublaslt:
      if (w.format != weight_format::block_fp8) throw std::invalid_argument("grouped_gemm: fp8 paths need block_fp8");
      run_fp8(w, p, plan, stream);
      return;
    case grouped_gemm_path::wint_dequant_bf16:
      if (w.format == weight_format::bf16 || w.format == weight_format::wint2 || w.format == weight_format::block_fp8)
        throw std::invalid_argument("grouped_gemm: dequant path needs wint weights");
      run_dequant(w, p, stream);
      return;
  }
}

void grouped_gemm_runner::run_fp8(const expert_weights& w, const grouped_gemm_problem& p,
                                  const grouped_gemm_plan& plan, cudaStream_t stream) {
  if (w.n % 64 != 0 || w.k % fp8_block_size != 0)
    throw std::invalid_argument("grouped_gemm: block_fp8 needs N % 64 == 0 and K % 128 == 0");
  const std::size_t q_bytes = (static_cast<std::size_t>(p.rows) * w.k + 15) / 16 * 16;
  const std::size_t need = q_bytes + static_cast<std::size_t>(p.rows) * (w.k / fp8_block_size) * 4;
  if (fp8_x_bytes_ < need) {
    cudaFree(fp8_x_);
    fp8_x_ = nullptr;
    fp8_x_bytes_ = 0;
    MOESERVE_CUDA_CHECK(cudaMalloc(&fp8_x_, need));
    fp8_x_bytes_ = need;
  }
  auto* xq = static_cast<std::uint8_t*>(fp8_x_);
  auto* xs = reinterpret_cast<float*>(xq + q_bytes);
  fp8_quantize_activations(p.x, p.rows, w.k, xq, xs, p.rows, stream);
  const auto* wq = static_cast<const std::uint8_t*>(w.data);
  const auto* ws = static_cast<const float*>(w.scales);
  if (plan.path == grouped_gemm_path::fp8_cublaslt && p.offsets == nullptr && p.rows % 8 == 0) {
    if (!fp8_lt_) fp8_lt_ = std::make_unique<fp8_cublaslt_gemm>();
    fp8_lt_->run(xq, xs, wq, ws, p.y, p.rows, w.n, w.k, stream);
    return;
  }
  fp8_gemm_args args;
  args.xq = xq;
  args.xs = xs;
  args.scale_stride = p.rows;
  args.y = p.y;
  args.offsets = p.offsets;
  args.dense_rows = p.rows;
  args.w = wq;
  args.ws = ws;
  args.n = w.n;
  args.k = w.k;
  fp8_grouped_gemm(args, w.experts, plan.path == grouped_gemm_path::fp8_cublaslt ? 4 : plan.m_tiles, stream);
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
