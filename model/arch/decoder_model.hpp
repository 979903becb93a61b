#pragma once
// decoder_model: the decoder-only transformer of every supported architecture, written
// once against the backend op interface (model/backend/backend.hpp):
//
//   x = embed(tokens)
//   per layer:  h = rms_norm(x)                      (input_layernorm / attn_norm)
//               q, k, v = h Wq, h Wk, h Wv  (+ biases)
//               q, k = head_rms_norm(q), head_rms_norm(k)      qwen3, qwen3_moe
//               q, k = rope(q), rope(k)                neox or interleaved (rope_table.hpp)
//               x += attention(q, k, v) Wo             paged KV cache, causal, GQA
//               h = rms_norm(x)                      (post_attention_layernorm / ffn_norm)
//               x += mlp(h)  or  moe(h)              SwiGLU MLP; MoE layers by the config
//   logits = rms_norm(x)[logit rows] W_lm_head     (the embedding table when tied)
//
// What differs between llama, qwen3, qwen3_moe and ernie4_5_moe is data: q/k norms, the
// rope pairing (interleaved for ERNIE and for llama weights from GGUF, whose q/k rows the
// converter permuted), which layers are MoE, the router (softmax top-k, or ERNIE's
// bias-corrected selection) and shared experts.
//
// Quantization: every linear-layer weight goes through quantized_loader.hpp with `plan`
// (resolve it with resolve_model_quantization, model_quantization.hpp): pre-quantized
// tensors are checked against it, float ones quantized online where it says so. The
// embedding table (and a tied LM head) are never quantized. The KV cache format is the
// plan's (kv_spec).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/arch/model_files.hpp"
#include "model/arch/weight_names.hpp"
#include "model/backend/backend.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::model {

class quantized_loader;

class decoder_model {
 public:
  // Loads every weight through `b` (which must outlive the model). Throws load_error
  // naming a missing or mis-shaped tensor.
  decoder_model(const model_files& files, backend& b, const quant::quantization_plan& plan = {});
  ~decoder_model();
  decoder_model(const decoder_model&) = delete;
  decoder_model& operator=(const decoder_model&) = delete;

  const model_config& config() const { return config_; }
  // The KV cache this model needs for `num_blocks` blocks of `block_size` tokens.
  kv_cache_spec kv_spec(int block_size, int num_blocks) const;
  const quant::quantization_plan& plan() const { return plan_; }
  // Bytes of every weight as the backend keeps it (backend_weight::bytes).
  std::size_t weight_bytes() const;

  // Runs one step and returns its logits, batch.logit_rows.size() x vocab_size float32
  // in the backend's memory, valid until the backend's next begin_step; nothing is read
  // back (the runner samples on the device or reads them).
  tensor forward(const step_batch& batch);
  // forward, then the logits read into `logits` (rows x vocab_size, row by row).
  void forward(const step_batch& batch, std::span<float> logits);

 private:
  struct layer;
  std::unique_ptr<backend_weight> load(const tensor_view& t, std::int64_t rows, std::int64_t cols);
  std::unique_ptr<backend_weight> load_linear(const tensor_view& t, weight_part part, int layer_index, std::int64_t rows,
                                              std::int64_t cols);
  std::unique_ptr<backend_weight> load_vector(const tensor_view& t, std::int64_t n);
  void load_layer(int index, layer& l);
  tensor mlp(const layer& l, tensor h);

  const model_files& files_;
  backend& backend_;
  model_config config_;
  quant::quantization_plan plan_;
  std::unique_ptr<quantized_loader> loader_;  // during construction only
  rope_table rope_;
  moe_params moe_params_;
  std::unique_ptr<backend_weight> embedding_;
  std::unique_ptr<backend_weight> final_norm_;
  std::unique_ptr<backend_weight> lm_head_;  // null when tied to embedding_
  std::vector<layer> layers_;
};

}  // namespace moeserve::model
