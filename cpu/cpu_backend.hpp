#pragma once
// cpu_backend: the backend interface (model/backend/backend.hpp) on the host: FP32
// activations and accumulation, weights as cpu_matrix (f32, or q8_0/q4_0/q4_1 read in
// place from the GGUF file), a paged FP32 KV cache, and a thread pool the heavy ops
// (linear, attention, the MoE experts) split their work over.
//
// Scratch tensors come from an arena reset by begin_step(); after a step that needed more
// than one chunk, the next step gets one chunk of the total.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/kv_cache.hpp"
#include "cpu/row_ops.hpp"
#include "cpu/thread_pool.hpp"
#include "model/backend/backend.hpp"

namespace moeserve::cpu {

class cpu_backend final : public model::backend {
 public:
  // threads <= 0: one per hardware thread.
  explicit cpu_backend(int threads = 0);
  ~cpu_backend() override;

  std::string name() const override;
  int threads() const { return pool_.size(); }
  const kv_cache& cache() const { return cache_; }

  std::unique_ptr<model::backend_weight> load_matrix(const model::tensor_view& source) override;
  std::unique_ptr<model::backend_weight> load_quantized(model::quantized_weight w) override;
  std::unique_ptr<model::backend_weight> load_vector(const model::tensor_view& source) override;
  void allocate_kv_cache(const model::kv_cache_spec& spec) override;

  void begin_step(const model::step_batch& batch) override;
  model::tensor allocate(std::int64_t rows, std::int64_t cols) override;

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
  thread_pool pool_;
  kv_cache cache_;
  const model::step_batch* batch_ = nullptr;
  // Rotary angles of the step, computed at the first rope() of the step.
  const model::rope_table* angles_for_ = nullptr;
  rope_angles angles_;
  // Arena: chunks of floats; used_ floats taken from the last chunk.
  std::vector<std::vector<float>> chunks_;
  std::size_t used_ = 0;
  std::size_t step_total_ = 0;
};

}  // namespace moeserve::cpu
