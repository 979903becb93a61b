#pragma once
// The GPU backend's row-wise ops (gpu_backend.hpp), on bf16 activations [n][cols] with
// float32 arithmetic inside each kernel. Norm weights, biases and rotary frequencies are
// float32. Every launcher is asynchronous on `stream` and checks its launch.
//
//   embed_rows      out[t] = table[tokens[t]]                        (bf16 table [V][cols])
//   rms_norm        out = bf16(x / rms(x) * w)
//   add_rms_norm    residual = bf16(residual + x); out = rms_norm(residual)
//   head_rms_norm   the same per head_dim-long head, in place (qwen3's q/k norms)
//   rope            rotary embedding of each head at positions[t], in place: angle =
//                   float(position) * inv_freq[i], cos/sin in float32 (as transformers)
//   silu_mul        out = silu(gate) * up
//   gather_rows     out[i] = x[rows[i]]
//   add_bias        y[t] += bias
//   add_into        y += x
//   bf16_to_f32     for reading a tensor back
//   fill_synthetic  a --load-format dummy weight: model/io/synthetic_tensor.hpp's random
//                   values (the same formula, element by element), rounded to bf16
//
// One block per row for the reductions (256 threads), a grid-stride loop elsewhere.
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace moeserve::gpu {

void embed_rows(const __nv_bfloat16* table, const std::int32_t* tokens, int n, int cols, __nv_bfloat16* out,
                cudaStream_t stream);
void rms_norm(const __nv_bfloat16* x, const float* w, int n, int cols, float eps, __nv_bfloat16* out,
              cudaStream_t stream);
void add_rms_norm(__nv_bfloat16* residual, const __nv_bfloat16* x, const float* w, int n, int cols, float eps,
                  __nv_bfloat16* out, cudaStream_t stream);
void head_rms_norm(__nv_bfloat16* x, const float* w, int n, int cols, int head_dim, float eps, cudaStream_t stream);

struct rope_args {
  const std::int32_t* positions = nullptr;  // [n]
  const float* inv_freq = nullptr;          // [rotary_dims / 2]
  int rotary_dims = 0;
  bool neox = true;  // pair i with i + rotary_dims/2; else 2i with 2i + 1
  float scaling = 1.0f;
};
void rope(__nv_bfloat16* x, int n, int cols, int head_dim, const rope_args& args, cudaStream_t stream);

void silu_mul(const __nv_bfloat16* gate, const __nv_bfloat16* up, std::size_t count, __nv_bfloat16* out,
              cudaStream_t stream);
void gather_rows(const __nv_bfloat16* x, const std::int32_t* rows, int n, int cols, __nv_bfloat16* out,
                 cudaStream_t stream);
void add_bias(__nv_bfloat16* y, const float* bias, int n, int cols, cudaStream_t stream);
void add_into(__nv_bfloat16* y, const __nv_bfloat16* x, std::size_t count, cudaStream_t stream);
void bf16_to_f32(const __nv_bfloat16* x, std::size_t count, float* out, cudaStream_t stream);
void f32_to_bf16(const float* x, std::size_t count, __nv_bfloat16* out, cudaStream_t stream);
// value = ones ? 1 : synthetic_random(seed, i); scale = the half-width of the uniform range.
void fill_synthetic(__nv_bfloat16* out, std::size_t count, std::uint64_t seed, bool ones, float half_width,
                    cudaStream_t stream);

}  // namespace moeserve::gpu
