#pragma once
// backend: the op interface every architecture is written against (DESIGN.md §4). The CPU
// backend (cpu/) implements it with FP32 accumulation; a GPU backend implements the same
// ops with kernels. An architecture only sequences ops; the backend owns weights, the paged
// KV cache and the activation memory.
//
// A forward step:
//   begin_step(batch)                    metadata of the ragged batch (step_batch.hpp)
//   x = allocate(tokens, hidden)         scratch, valid until the next begin_step
//   embed(table, x) ... linear(...) ... attention(...) ... moe(...)
//   logits = allocate_logits(...); linear(..., logits)
//   read(logits, host)                   the runner reads the result back
//
// Weights: load_matrix takes a checkpoint tensor of any dtype the backend can read (plain
// or ggml-quantized; see each backend for its list) and returns an opaque handle the
// backend may have repacked; [rows, cols] = [output features, input features]. A matrix
// also serves as an embedding table (embed reads its rows).
//
// Threading: a backend is used by one thread at a time (the executor's).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/backend/quantized_weight.hpp"
#include "model/backend/rope_table.hpp"
#include "model/backend/step_batch.hpp"
#include "model/backend/tensor.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

class backend_weight {
 public:
  backend_weight(std::int64_t rows, std::int64_t cols) : rows_(rows), cols_(cols) {}
  virtual ~backend_weight() = default;
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  // Bytes the backend keeps for this weight (0 when it does not say): what the weights'
  // memory figures (LLM::weight_bytes) add up.
  virtual std::size_t bytes() const { return 0; }

 private:
  std::int64_t rows_;
  std::int64_t cols_;
};

// The paged KV cache: for each layer, keys and values of num_blocks blocks of block_size
// token slots, each slot kv_heads x head_dim values, stored in `format` (auto: the
// backend's float type; int8/fp8: quant/kv_cache_quant.hpp's per-token-per-head codes).
struct kv_cache_spec {
  int layers = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int block_size = 0;
  int num_blocks = 0;
  quant::kv_cache_format format = quant::kv_cache_format::auto_;
};

struct attention_params {
  int layer = 0;
  int num_heads = 0;
  int num_kv_heads = 0;  // grouped-query attention: num_heads / num_kv_heads queries share a head
  int head_dim = 0;
  float scale = 0.0f;    // usually 1/sqrt(head_dim)
};

// How the router turns logits into experts and weights:
//   softmax_top_k         p = softmax(logits); the top_k largest p (qwen3_moe, mixtral)
//   softmax_biased_top_k  p = softmax(logits); selection by p + bias, weights stay p (ERNIE-4.5)
// With `normalize`, the selected weights are divided by max(sum, norm_min).
enum class router_kind { softmax_top_k, softmax_biased_top_k };

struct moe_params {
  router_kind router = router_kind::softmax_top_k;
  int top_k = 0;
  bool normalize = false;
  float norm_min = 0.0f;
};

// The routed experts of one MoE layer as backend::stack_experts made them: the per-expert
// gate, up ([intermediate, hidden]) and down ([hidden, intermediate]) weights. This base
// form keeps them one handle per expert (the CPU backend reads it so); a device backend
// returns its own subclass holding them stacked, [E][2I][H] gate and up fused and
// [E][H][I] (the layout gpu::moe_layer takes), and the per-expert lists empty.
// rows() x cols() = experts x hidden.
class expert_stack : public backend_weight {
 public:
  expert_stack(std::vector<std::unique_ptr<backend_weight>> gate_weights,
               std::vector<std::unique_ptr<backend_weight>> up_weights,
               std::vector<std::unique_ptr<backend_weight>> down_weights, std::int64_t experts, std::int64_t hidden)
      : backend_weight(experts, hidden),
        gate(std::move(gate_weights)),
        up(std::move(up_weights)),
        down(std::move(down_weights)) {}
  std::size_t bytes() const override {
    std::size_t total = 0;
    for (const auto* list : {&gate, &up, &down})
      for (const auto& w : *list) total += w->bytes();
    return total;
  }
  std::vector<std::unique_ptr<backend_weight>> gate, up, down;
};

struct moe_weights {
  const backend_weight* router = nullptr;          // [experts, hidden]
  const backend_weight* selection_bias = nullptr;  // [1, experts] for softmax_biased_top_k
  const backend_weight* experts = nullptr;         // backend::stack_experts' handle
  // Shared experts every token passes through (absent when null), added to the routed sum.
  const backend_weight* shared_gate = nullptr;
  const backend_weight* shared_up = nullptr;
  const backend_weight* shared_down = nullptr;
};

class backend {
 public:
  virtual ~backend() = default;
  virtual std::string name() const = 0;

  // --- weights (at load) ---
  virtual std::unique_ptr<backend_weight> load_matrix(const tensor_view& source) = 0;
  // A weight in one of quant/'s formats (quantized_weight.hpp), repacked for the kernels.
  // Backends without quantized kernels throw std::invalid_argument.
  virtual std::unique_ptr<backend_weight> load_quantized(quantized_weight w) {
    (void)w;
    throw std::invalid_argument(name() + " has no quantized weights");
  }
  // A vector (norm weights, biases) of any float dtype; stored as [1, n].
  virtual std::unique_ptr<backend_weight> load_vector(const tensor_view& source) = 0;
  // The routed experts of one MoE layer, each expert's weights as load_matrix or
  // load_quantized returned them (all in one format), handed over whole: the backend may
  // stack them (a device backend copies them into one buffer per projection and frees the
  // per-expert ones). intermediate = gate[e]->rows(), hidden = gate[e]->cols().
  virtual std::unique_ptr<backend_weight> stack_experts(std::vector<std::unique_ptr<backend_weight>> gate,
                                                        std::vector<std::unique_ptr<backend_weight>> up,
                                                        std::vector<std::unique_ptr<backend_weight>> down) {
    const auto experts = static_cast<std::int64_t>(gate.size());
    const std::int64_t hidden = gate.empty() ? 0 : gate.front()->cols();
    return std::make_unique<expert_stack>(std::move(gate), std::move(up), std::move(down), experts, hidden);
  }
  virtual void allocate_kv_cache(const kv_cache_spec& spec) = 0;

  // --- a step ---
  // Takes the batch's metadata (tokens, positions, slots, block tables); resets scratch.
  // The batch must stay alive until the step's last op.
  virtual void begin_step(const step_batch& batch) = 0;
  virtual tensor allocate(std::int64_t rows, std::int64_t cols) = 0;
  // Scratch for the LM head's output: float32 on every backend, whatever the type of the
  // other activations (logits in bf16 would round a logit of 20 to 1/8).
  virtual tensor allocate_logits(std::int64_t rows, std::int64_t cols) { return allocate(rows, cols); }

  // out[t] = row tokens[t] of `table` (dequantized).
  virtual void embed(const backend_weight& table, tensor out) = 0;
  // out = x / rms(x) * w, per row.
  virtual void rms_norm(tensor x, const backend_weight& w, float eps, tensor out) = 0;
  // residual += x; out = rms_norm(residual).
  virtual void add_rms_norm(tensor residual, tensor x, const backend_weight& w, float eps, tensor out) = 0;
  // out = x W^T (+ bias): x [n, cols], out [n, rows].
  virtual void linear(tensor x, const backend_weight& w, const backend_weight* bias, tensor out) = 0;
  // RMS norm of each head_dim-long head of each row, in place (qwen3's q/k norms).
  virtual void head_rms_norm(tensor x, int head_dim, const backend_weight& w, float eps) = 0;
  // Rotary embedding of each head of each row at the step's positions, in place.
  virtual void rope(tensor x, int head_dim, const rope_table& table) = 0;
  // Writes k and v ([n, kv_heads*head_dim]) to the cache at the step's slots, then causal
  // attention of q ([n, heads*head_dim]) over each sequence's cached keys: out like q.
  virtual void attention(const attention_params& p, tensor q, tensor k, tensor v, tensor out) = 0;
  // out = silu(gate) * up, elementwise.
  virtual void silu_mul(tensor gate, tensor up, tensor out) = 0;
  // The whole mixture-of-experts block: routing, the experts' SwiGLU MLPs weighted, plus
  // shared experts. x [n, hidden] -> out [n, hidden].
  virtual void moe(tensor x, const moe_weights& w, const moe_params& p, tensor out) = 0;
  // out[i] = x[rows[i]].
  virtual void gather_rows(tensor x, std::span<const std::int32_t> rows, tensor out) = 0;
  // Sums `x` over the ranks that each hold a part of the weights (tensor parallelism), in
  // place; the decoder calls it after the attention output and the MLP/MoE projections.
  // A backend of one device does nothing.
  virtual void all_reduce(tensor x) { (void)x; }
  // Copies a tensor to host floats (out.size() == t.size()); waits for the step's work.
  virtual void read(tensor t, std::span<float> out) = 0;
  // Copies host floats into a tensor (in.size() == t.size()), rounded to its type: how
  // the backend op tests feed every backend the same inputs.
  virtual void write(tensor t, std::span<const float> in) = 0;
};

}  // namespace moeserve::model
