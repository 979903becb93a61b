#pragma once
// gpu_backend: model::backend (model/backend/backend.hpp) on one CUDA device, BF16:
//
//   weights      bf16 matrices [rows][cols] (any float or ggml-quantized checkpoint dtype,
//                dequantized on the host and copied through a pinned staging buffer);
//                norm weights and biases float32; each MoE layer's experts stacked by
//                stack_experts into [E][2I][H] (gate rows, then up) and [E][H][I], the
//                layout gpu::moe_layer takes
//   activations  bf16 [rows][cols] from a device_arena reset at begin_step; the LM head's
//                output (allocate_logits) float32
//   KV cache     bf16, per layer K and V [num_blocks * block_size][kv_heads][head_dim]
//   step inputs  step_inputs.hpp (one host-to-device copy per step)
//   ops          cuBLAS for the dense linears (float32 accumulation), row_kernels.hpp,
//                paged_attention.hpp, gpu::moe_layer (routing, permute, grouped GEMMs,
//                SiLU, un-permute) with shared experts as a dense MLP added after
//
// Every op is asynchronous on the backend's stream; read() synchronises. Quantized
// weights (load_quantized) and quantized KV caches are not implemented on the GPU yet:
// both throw std::invalid_argument naming what was asked.
//
// Threading: one thread at a time, with the backend's device current (the executor calls
// cudaSetDevice on its thread before each step).
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gpu/moe_layer.hpp"
#include "gpu/runner/device_arena.hpp"
#include "gpu/runner/step_inputs.hpp"
#include "model/backend/backend.hpp"

namespace moeserve::gpu {

class gpu_backend final : public model::backend {
 public:
  // `capacity` bounds the steps begin_step accepts (and sizes the MoE workspaces).
  gpu_backend(int device, const step_capacity& capacity);
  ~gpu_backend() override;
  gpu_backend(const gpu_backend&) = delete;
  gpu_backend& operator=(const gpu_backend&) = delete;

  std::string name() const override;
  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  std::size_t kv_cache_bytes() const { return kv_bytes_; }
  std::size_t activation_bytes() const { return arena_.capacity(); }
  // Bytes one KV block of `spec`'s shape takes (K and V of every layer).
  static std::size_t kv_block_bytes(const model::kv_cache_spec& spec);

  std::unique_ptr<model::backend_weight> load_matrix(const model::tensor_view& source) override;
  std::unique_ptr<model::backend_weight> load_quantized(model::quantized_weight w) override;
  std::unique_ptr<model::backend_weight> load_vector(const model::tensor_view& source) override;
  std::unique_ptr<model::backend_weight> stack_experts(std::vector<std::unique_ptr<model::backend_weight>> gate,
                                                       std::vector<std::unique_ptr<model::backend_weight>> up,
                                                       std::vector<std::unique_ptr<model::backend_weight>> down) override;
  // num_blocks 0 frees the cache.
  void allocate_kv_cache(const model::kv_cache_spec& spec) override;

  void begin_step(const model::step_batch& batch) override;
  model::tensor allocate(std::int64_t rows, std::int64_t cols) override;
  model::tensor allocate_logits(std::int64_t rows, std::int64_t cols) override;

  void embed(const model::backend_weight& table, model::tensor out) override;
  void rms_norm(model::tensor x, const model::backend_weight& w, float eps, model::tensor out) override;
  void add_rms_norm(model::tensor residual, model::tensor x, const model::backend_weight& w, float eps,
                    model::tensor out) override;
  void linear(model::tensor x, const model::backend_weight& w, const model::backend_weight* bias,
              model::tensor out) override;
  void head_rms_norm(model::tensor x, int head_dim, const model::backend_weight& w, float eps) override;
  void rope(model::tensor x, int head_dim, const model::rope_table& table) override;
  void attention(const model::attention_params& p, model::tensor q, model::tensor k, model::tensor v,
                 model::tensor out) override;
  void silu_mul(model::tensor gate, model::tensor up, model::tensor out) override;
  void moe(model::tensor x, const model::moe_weights& w, const model::moe_params& p, model::tensor out) override;
  void gather_rows(model::tensor x, std::span<const std::int32_t> rows, model::tensor out) override;
  void read(model::tensor t, std::span<float> out) override;
  void write(model::tensor t, std::span<const float> in) override;

 private:
  moe_layer& moe_for(const moe_layer_config& c);
  const float* inv_freq_for(const model::rope_table& table);
  void upload(void* dst, const void* src, std::size_t bytes);

  int device_;
  step_capacity capacity_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  device_arena arena_;
  std::unique_ptr<step_inputs> inputs_;
  const model::step_batch* batch_ = nullptr;
  void* staging_ = nullptr;  // pinned, staging_bytes
  model::kv_cache_spec kv_spec_;
  void* kv_ = nullptr;
  std::size_t kv_bytes_ = 0;
  // One MoE layer object (workspace) per distinct layer shape, shared by the layers.
  std::map<std::tuple<int, int, int, int, bool, float>, std::unique_ptr<moe_layer>> moe_layers_;
  std::vector<float> inv_freq_host_;
  float* inv_freq_ = nullptr;
};

}  // namespace moeserve::gpu
