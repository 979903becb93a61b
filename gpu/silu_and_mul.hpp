#pragma once
// SiLU-and-mul, step 5 of the layer, between the gate/up and the down GEMM:
//
//   gate_up [rows][2·I] bf16      row = | gate (I) | up (I) |
//   out     [rows][I]   bf16      out[r][i] = silu(gate[r][i]) · up[r][i],  silu(g) = g / (1 + e^-g)
//
// computed in fp32, rounded once to bf16. `intermediate` must be a multiple of 8 (16-byte
// vectors). Device pointers; asynchronous on `stream`.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

namespace moeserve::gpu {

void silu_and_mul(const __nv_bfloat16* gate_up, int rows, int intermediate, __nv_bfloat16* out, cudaStream_t stream);

}  // namespace moeserve::gpu
