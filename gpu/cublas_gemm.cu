#include <algorithm>
#include <vector>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw cublas_error(std::string(file) + ":" + std::to_string(line) + ": " + call +
                     " failed: " + cublasGetStatusName(status) + " (" + cublasGetStatusString(status) + ")");
}

void dense_gemm_bf16(cublasHandle_t handle, const __nv_bfloat16* x, const __nv_bfloat16* w, void* y,
                     cudaDataType_t y_type, int m, int n, int k, cudaStream_t stream) {
  if (m <= 0) return;
  MOESERVE_CUBLAS_CHECK(cublasSetStream(handle, stream));
  const float alpha = 1.0f, beta = 0.0f;
  MOESERVE_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, CUDA_R_16BF, k, x,
                                     CUDA_R_16BF, k, &beta, y, y_type, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

namespace {

// Rank of expert e among the active experts of the range, ordered by (count, e): the same
// order the host derives. O(E^2) comparisons in one block, negligible for E <= 1024.
__global__ void build_bucket_pointers(const int* __restrict__ offsets, int e_begin, int e_end,
                                      const __nv_bfloat16* weights, long expert_stride, const __nv_bfloat16* x,
                                      __nv_bfloat16* y, int n, int k, const void** a, const void** b, void** c) {
  for (int e = e_begin + static_cast<int>(threadIdx.x); e < e_end; e += blockDim.x) {
    const int count = offsets[e + 1] - offsets[e];
    if (count <= 0) continue;
    int rank = 0;
    for (int f = e_begin; f < e_end; ++f) {
      const int cf = offsets[f + 1] - offsets[f];
      rank += cf > 0 && (cf < count || (cf == count && f < e));
    }
    a[rank] = weights + (e - e_begin) * expert_stride;
    b[rank] = x + static_cast<long>(offsets[e]) * k;
    c[rank] = y + static_cast<long>(offsets[e]) * n;
  }
}

}  // namespace

void grouped_gemm_bf16(cublasHandle_t handle, const __nv_bfloat16* weights, int e_begin, int e_end, int n, int k,
                       const __nv_bfloat16* x, __nv_bfloat16* y, const int* offsets, const int* host_offsets,
                       void** pointer_arrays, cudaStream_t stream) {
  if (host_offsets == nullptr) throw std::invalid_argument("grouped_gemm_bf16: needs the offsets on the host");
  struct active {
    int count, expert;
  };
  std::vector<active> experts;
  for (int e = e_begin; e < e_end; ++e) {
    const int c = host_offsets[e + 1] - host_offsets[e];
    if (c > 0) experts.push_back({c, e});
  }
  if (experts.empty()) return;
  std::sort(experts.begin(), experts.end(), [](const active& l, const active& r) {
    return l.count != r.count ? l.count < r.count : l.expert < r.expert;
  });
  const int range = e_end - e_begin;
  const void** a = const_cast<const void**>(pointer_arrays);
  const void** b = a + range;
  void** c = pointer_arrays + 2 * range;
  build_bucket_pointers<<<1, 256, 0, stream>>>(offsets, e_begin, e_end, weights, static_cast<long>(n) * k, x, y, n, k,
                                               a, b, c);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
  MOESERVE_CUBLAS_CHECK(cublasSetStream(handle, stream));
  const float alpha = 1.0f, beta = 0.0f;
  for (std::size_t i = 0; i < experts.size();) {
    std::size_t j = i;
    while (j < experts.size() && experts[j].count == experts[i].count) ++j;
    const int m = experts[i].count;
    const int batch = static_cast<int>(j - i);
    MOESERVE_CUBLAS_CHECK(cublasGemmBatchedEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, a + i, CUDA_R_16BF, k,
                                              b + i, CUDA_R_16BF, k, &beta, c + i, CUDA_R_16BF, n, batch,
                                              CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    i = j;
  }
}

}  // namespace moeserve::gpu
