// fp8_cublaslt_gemm (fp8_gemm.hpp): the dense block-scaled FP8 GEMM through cuBLASLt, with
// the operand roles and scale layouts that REFERENCE.md records as working on sm_90:
//   A = W  e4m3, K×N column-major (= W[N][K] row-major), op T, BLK128x128_32F scales
//   B = X  e4m3, K×M column-major (= X[M][K] row-major), op N, VEC128_32F scales
//   D = Y  bf16, N×M column-major (= Y[M][N] row-major); C unused (beta = 0)
// A plan (descriptors + the heuristic's first algorithm) is made once per (m, n, k); only
// the pointers change between calls, the scale pointers being descriptor attributes.
//
// Measured on an H100 (CUDA 13.0): cuBLASLt reads the BLK128x128 scales with a row stride
// of K/128 rounded up to a multiple of 4 -- block (j, i) at j + i·round_up(K/128, 4).
// With K/128 = 6 (K = 768) our unpadded [N/128][K/128] scales gave garbage while K = 1024
// was right; the VEC128 activation scales need no padding (M = 160..256 all right). So
// when K/128 % 4 != 0 the weight scales are copied into a padded buffer first (a small
// 2-D copy on the stream, [N/128] rows of K/128 floats).
#include <cublasLt.h>

#include <stdexcept>
#include <string>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/fp8_gemm.hpp"

namespace moeserve::gpu {

struct fp8_cublaslt_gemm::plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

namespace {

void check_lt(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw cublas_error(std::string("cuBLASLt ") + what + " failed: " + cublasGetStatusString(status));
  }
}

}  // namespace

fp8_cublaslt_gemm::fp8_cublaslt_gemm() {
  check_lt(cublasLtCreate(&handle_), "create");
  MOESERVE_CUDA_CHECK(cudaMalloc(&workspace_, workspace_bytes_));
}

fp8_cublaslt_gemm::~fp8_cublaslt_gemm() {
  for (auto& [key, p] : plans_) {
    cublasLtMatrixLayoutDestroy(p->a);
    cublasLtMatrixLayoutDestroy(p->b);
    cublasLtMatrixLayoutDestroy(p->d);
    cublasLtMatmulDescDestroy(p->desc);
    delete p;
  }
  cudaFree(workspace_);
  cudaFree(padded_scales_);
  if (handle_ != nullptr) cublasLtDestroy(handle_);
}

const fp8_cublaslt_gemm::plan& fp8_cublaslt_gemm::plan_for(int m, int n, int k) {
  const auto key = std::make_tuple(m, n, k);
  if (auto it = plans_.find(key); it != plans_.end()) return *it->second;
  auto* p = new plan;
  try {
    check_lt(cublasLtMatmulDescCreate(&p->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "desc");
    const cublasOperation_t op_t = CUBLAS_OP_T, op_n = CUBLAS_OP_N;
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_t, sizeof op_t), "transa");
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_n, sizeof op_n), "transb");
    const cublasLtMatmulMatrixScale_t a_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F;
    const cublasLtMatmulMatrixScale_t b_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &a_mode, sizeof a_mode),
             "a scale mode");
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &b_mode, sizeof b_mode),
             "b scale mode");
    check_lt(cublasLtMatrixLayoutCreate(&p->a, CUDA_R_8F_E4M3, k, n, k), "layout a");
    check_lt(cublasLtMatrixLayoutCreate(&p->b, CUDA_R_8F_E4M3, k, m, k), "layout b");
    check_lt(cublasLtMatrixLayoutCreate(&p->d, CUDA_R_16BF, n, m, n), "layout d");
    // The heuristic looks at the scale pointers' presence: give it placeholders.
    const void* dummy = workspace_;
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &dummy, sizeof dummy),
             "a scale");
    check_lt(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &dummy, sizeof dummy),
             "b scale");
    cublasLtMatmulPreference_t pref = nullptr;
    check_lt(cublasLtMatmulPreferenceCreate(&pref), "preference");
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes_,
                                         sizeof workspace_bytes_);
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t status =
        cublasLtMatmulAlgoGetHeuristic(handle_, p->desc, p->a, p->b, p->d, p->d, pref, 1, &result, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    check_lt(status, "heuristic");
    if (found == 0) throw cublas_error("cuBLASLt: no block-scaled FP8 algorithm for this shape");
    p->algo = result.algo;
  } catch (...) {
    if (p->a) cublasLtMatrixLayoutDestroy(p->a);
    if (p->b) cublasLtMatrixLayoutDestroy(p->b);
    if (p->d) cublasLtMatrixLayoutDestroy(p->d);
    if (p->desc) cublasLtMatmulDescDestroy(p->desc);
    delete p;
    throw;
  }
  plans_.emplace(key, p);
  return *p;
}

void fp8_cublaslt_gemm::run(const std::uint8_t* xq, const float* xs, const std::uint8_t* w, const float* ws,
                            __nv_bfloat16* y, int m, int n, int k, cudaStream_t stream) {
  if (m <= 0) return;
  if (k % fp8_block_size != 0) throw std::invalid_argument("fp8 dense gemm: K must be a multiple of 128");
  const plan& p = plan_for(m, n, k);
  const int k_blocks = k / fp8_block_size, n_blocks = (n + fp8_block_size - 1) / fp8_block_size;
  if (k_blocks % 4 != 0) {
    const int padded = (k_blocks + 3) / 4 * 4;
    const std::size_t bytes = static_cast<std::size_t>(padded) * n_blocks * sizeof(float);
    if (padded_bytes_ < bytes) {
      cudaFree(padded_scales_);
      padded_scales_ = nullptr;
      padded_bytes_ = 0;
      MOESERVE_CUDA_CHECK(cudaMalloc(&padded_scales_, bytes));
      padded_bytes_ = bytes;
    }
    MOESERVE_CUDA_CHECK(cudaMemsetAsync(padded_scales_, 0, bytes, stream));
    MOESERVE_CUDA_CHECK(cudaMemcpy2DAsync(padded_scales_, padded * sizeof(float), ws, k_blocks * sizeof(float),
                                          k_blocks * sizeof(float), n_blocks, cudaMemcpyDeviceToDevice, stream));
    ws = static_cast<const float*>(padded_scales_);
  }
  check_lt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &ws, sizeof ws), "a scale");
  check_lt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &xs, sizeof xs), "b scale");
  const float alpha = 1.0f, beta = 0.0f;
  check_lt(cublasLtMatmul(handle_, p.desc, &alpha, w, p.a, xq, p.b, &beta, y, p.d, y, p.d, &p.algo, workspace_,
                          workspace_bytes_, stream),
           "matmul");
}

}  // namespace moeserve::gpu
