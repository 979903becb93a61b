#pragma once
// GEMMs through cuBLAS, row-major on our side:
//
//   y[M][N] = x[M][K] · W[N][K]^T        (x, W bf16; y bf16 or fp32; fp32 accumulation)
//
// cuBLAS is column-major, so each call computes y^T = W · x^T: A = W seen as a K×N
// column-major matrix with op T, B = x seen as K×M with op N, C = y seen as N×M.
//
// The grouped (MoE) form uses cublasGemmBatchedEx once per distinct row count: experts
// with the same count m form a "bucket", one batched call of `bucket size` problems of
// shape (m, N, K). With random routing there are only a handful of distinct counts, so a
// layer is a few launches, each spread over many experts at once, which is what keeps the
// weight stream at full bandwidth when each expert has only a few rows. (Per-expert GEMMs
// would be up to E launches, each too small to fill the chip; cublasGemmGroupedBatchedEx
// takes the same host arrays of m and is not documented to be one kernel, so buckets keep
// the launch count explicit.) The pointer arrays are built on the device from the device
// offsets in (count, expert) order, which the host reproduces from its copy of the offsets
// to know the buckets: the host copy is required, the pointers never cross the bus.
//
// All calls are asynchronous on `stream` (the handle is bound to it).
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace moeserve::gpu {

class cublas_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void check_cublas(cublasStatus_t status, const char* call, const char* file, int line);

#define MOESERVE_CUBLAS_CHECK(call) ::moeserve::gpu::check_cublas((call), #call, __FILE__, __LINE__)

// y = x · W^T for one dense matrix; y_type CUDA_R_16BF or CUDA_R_32F.
void dense_gemm_bf16(cublasHandle_t handle, const __nv_bfloat16* x, const __nv_bfloat16* w, void* y,
                     cudaDataType_t y_type, int m, int n, int k, cudaStream_t stream);

// Experts [e_begin, e_end) of a grouped problem. Expert e's weights are at
// weights + (e - e_begin)·n·k; its rows at offsets[e] of x and y (offsets of the whole
// problem, device and host copies). `pointer_arrays` is device memory for
// 3·(e_end - e_begin) pointers.
void grouped_gemm_bf16(cublasHandle_t handle, const __nv_bfloat16* weights, int e_begin, int e_end, int n, int k,
                       const __nv_bfloat16* x, __nv_bfloat16* y, const int* offsets, const int* host_offsets,
                       void** pointer_arrays, cudaStream_t stream);

}  // namespace moeserve::gpu
