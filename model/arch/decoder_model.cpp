#include "model/arch/decoder_model.hpp"

#include <cmath>
#include <string>

#include "model/arch/quantized_loader.hpp"
#include "model/arch/weight_kind.hpp"
#include "model/arch/weight_names.hpp"
#include "model/io/load_error.hpp"

namespace moeserve::model {

struct decoder_model::layer {
  std::unique_ptr<backend_weight> attn_norm, q, k, v, o, q_bias, k_bias, v_bias, q_norm, k_norm, ffn_norm;
  std::unique_ptr<backend_weight> gate, up, down;  // dense MLP
  bool is_moe = false;
  std::unique_ptr<backend_weight> router, selection_bias, shared_gate, shared_up, shared_down, experts;
  moe_weights moe;  // views of the above, as the backend op takes them
};

namespace {

std::string shape_text(const tensor_view& t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i) s += (i ? ", " : "") + std::to_string(t.shape[static_cast<std::size_t>(i)]);
  return s + "]";
}

// A synthetic view (--load-format dummy) takes the shape the loader expects.
tensor_view shaped(const tensor_view& t, std::int64_t rows, std::int64_t cols) {
  if (t.synthetic == synthetic_fill::none) return t;
  tensor_view v = t;
  v.rank = rows == 0 ? 1 : 2;
  v.shape = rows == 0 ? std::array<std::int64_t, max_tensor_rank>{cols, 0, 0, 0}
                      : std::array<std::int64_t, max_tensor_rank>{rows, cols, 0, 0};
  return v;
}

// Expert `e` of a GGUF tensor stacking all experts ([experts, rows, cols]).
tensor_view expert_slice(const tensor_view& t, int e) {
  tensor_view v = t;
  v.rank = 2;
  v.shape = {t.shape[1], t.shape[2], 0, 0};
  const auto bytes = static_cast<std::size_t>(*row_bytes(t.type, t.shape[2]) * t.shape[1]);
  v.data = t.data.subspan(static_cast<std::size_t>(e) * bytes, bytes);
  return v;
}

}  // namespace

decoder_model::decoder_model(const model_files& files, backend& b, const quant::quantization_plan& plan)
    : files_(files), backend_(b), config_(files.config()), plan_(plan) {
  loader_ = std::make_unique<quantized_loader>(files, b, plan_);
  config_.validate();
  const auto& c = config_;
  const bool interleaved = c.arch == architecture::ernie4_5_moe ||
                           (c.arch == architecture::llama && files.naming() == weight_naming::gguf);
  rope_ = make_rope_table(c.rope, interleaved ? rope_style::interleaved : rope_style::neox);
  moe_params_.router =
      c.arch == architecture::ernie4_5_moe ? router_kind::softmax_biased_top_k : router_kind::softmax_top_k;
  moe_params_.top_k = c.moe.experts_per_token;
  moe_params_.normalize = c.moe.normalize_top_k;
  moe_params_.norm_min = static_cast<float>(c.moe.norm_min);

  const auto naming = files.naming();
  embedding_ = load(files.require(weight_name(naming, weight_part::token_embedding)), c.vocab_size, c.hidden_size);
  final_norm_ = load_vector(files.require(weight_name(naming, weight_part::final_norm)), c.hidden_size);
  // A checkpoint may carry lm_head even when tie_word_embeddings says otherwise; use it.
  if (const auto* head = files.find(weight_name(naming, weight_part::lm_head)))
    lm_head_ = load_linear(*head, weight_part::lm_head, 0, c.vocab_size, c.hidden_size);
  else if (!c.tie_word_embeddings)
    throw load_error(files.path().string() + ": the LM head is missing and the embeddings are not tied");
  layers_.resize(static_cast<std::size_t>(c.num_layers));
  for (int i = 0; i < c.num_layers; ++i) load_layer(i, layers_[static_cast<std::size_t>(i)]);
  loader_.reset();
}

std::unique_ptr<backend_weight> decoder_model::load_linear(const tensor_view& t, weight_part part, int layer_index,
                                                           std::int64_t rows, std::int64_t cols) {
  return loader_->load(shaped(t, rows, cols), *layer_kind_of(part), layer_index, rows, cols);
}

std::size_t decoder_model::weight_bytes() const {
  std::size_t total = 0;
  const auto add = [&](const std::unique_ptr<backend_weight>& w) {
    if (w) total += w->bytes();
  };
  add(embedding_);
  add(final_norm_);
  add(lm_head_);
  for (const layer& l : layers_) {
    for (const auto* w : {&l.attn_norm, &l.q, &l.k, &l.v, &l.o, &l.q_bias, &l.k_bias, &l.v_bias, &l.q_norm, &l.k_norm,
                          &l.ffn_norm, &l.gate, &l.up, &l.down, &l.router, &l.selection_bias, &l.shared_gate,
                          &l.shared_up, &l.shared_down, &l.experts})
      add(*w);
  }
  return total;
}

decoder_model::~decoder_model() = default;

std::unique_ptr<backend_weight> decoder_model::load(const tensor_view& source, std::int64_t rows, std::int64_t cols) {
  const tensor_view t = shaped(source, rows, cols);
  if (t.rank != 2 || t.shape[0] != rows || t.shape[1] != cols)
    throw load_error(files_.path().string() + ": tensor \"" + std::string(t.name) + "\" has shape " +
                     shape_text(t) + ", expected [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
  return backend_.load_matrix(t);
}

std::unique_ptr<backend_weight> decoder_model::load_vector(const tensor_view& source, std::int64_t n) {
  const tensor_view t = shaped(source, 0, n);
  if (t.element_count() != n)
    throw load_error(files_.path().string() + ": tensor \"" + std::string(t.name) + "\" has shape " +
                     shape_text(t) + ", expected " + std::to_string(n) + " values");
  return backend_.load_vector(t);
}

void decoder_model::load_layer(int i, layer& l) {
  const auto& c = config_;
  const auto naming = files_.naming();
  const auto name = [&](weight_part p, int expert = 0) { return weight_name(naming, p, i, expert); };
  const auto need = [&](weight_part p, int expert = 0) -> const tensor_view& { return files_.require(name(p, expert)); };
  const std::int64_t h = c.hidden_size, q_dim = std::int64_t{c.num_heads} * c.head_dim,
                     kv_dim = std::int64_t{c.num_kv_heads} * c.head_dim;

  l.attn_norm = load_vector(need(weight_part::attn_norm), h);
  const auto linear = [&](weight_part p, std::int64_t rows, std::int64_t cols) {
    return load_linear(need(p), p, i, rows, cols);
  };
  l.q = linear(weight_part::attn_q, q_dim, h);
  l.k = linear(weight_part::attn_k, kv_dim, h);
  l.v = linear(weight_part::attn_v, kv_dim, h);
  l.o = linear(weight_part::attn_output, h, q_dim);
  if (c.attention_bias) {
    l.q_bias = load_vector(need(weight_part::attn_q_bias), q_dim);
    l.k_bias = load_vector(need(weight_part::attn_k_bias), kv_dim);
    l.v_bias = load_vector(need(weight_part::attn_v_bias), kv_dim);
  }
  if (c.qk_norm) {
    l.q_norm = load_vector(need(weight_part::attn_q_norm), c.head_dim);
    l.k_norm = load_vector(need(weight_part::attn_k_norm), c.head_dim);
  }
  l.ffn_norm = load_vector(need(weight_part::ffn_norm), h);
  l.is_moe = c.moe.is_moe_layer(i);
  // GGUF metadata cannot say which layers are dense in a MoE model: a layer without a
  // router (but with a dense MLP) is one.
  if (l.is_moe && naming == weight_naming::gguf && !files_.find(name(weight_part::router)) &&
      files_.find(name(weight_part::ffn_gate)))
    l.is_moe = false;
  if (!l.is_moe) {
    l.gate = linear(weight_part::ffn_gate, c.intermediate_size, h);
    l.up = linear(weight_part::ffn_up, c.intermediate_size, h);
    l.down = linear(weight_part::ffn_down, h, c.intermediate_size);
    return;
  }
  const int experts = c.moe.num_experts;
  const std::int64_t inter = c.moe.expert_intermediate_size;
  l.router = linear(weight_part::router, experts, h);
  l.moe.router = l.router.get();
  if (moe_params_.router == router_kind::softmax_biased_top_k) {
    const auto* bias = files_.find(name(weight_part::router_selection_bias));
    if (!bias && naming == weight_naming::hugging_face)  // older exports nest it under the gate
      bias = files_.find("model.layers." + std::to_string(i) + ".mlp.gate.moe_statics.e_score_correction_bias");
    if (!bias) throw load_error(files_.path().string() + ": tensor \"" + name(weight_part::router_selection_bias) + "\" is missing");
    l.selection_bias = load_vector(*bias, experts);
    l.moe.selection_bias = l.selection_bias.get();
  }
  const auto load_experts = [&](weight_part part, std::int64_t rows, std::int64_t cols) {
    std::vector<std::unique_ptr<backend_weight>> out;
    for (int e = 0; e < experts; ++e) {
      if (naming == weight_naming::gguf) {
        const auto& stacked = need(part);
        if (stacked.rank != 3 || stacked.shape[0] != experts || stacked.shape[1] != rows || stacked.shape[2] != cols)
          throw load_error(files_.path().string() + ": tensor \"" + std::string(stacked.name) + "\" has shape " +
                           shape_text(stacked) + ", expected [" + std::to_string(experts) + ", " +
                           std::to_string(rows) + ", " + std::to_string(cols) + "]");
        out.push_back(load_linear(expert_slice(stacked, e), part, i, rows, cols));
      } else {
        out.push_back(load_linear(need(part, e), part, i, rows, cols));
      }
    }
    return out;
  };
  auto gate = load_experts(weight_part::expert_gate, inter, h);
  auto up = load_experts(weight_part::expert_up, inter, h);
  auto down = load_experts(weight_part::expert_down, h, inter);
  l.experts = backend_.stack_experts(std::move(gate), std::move(up), std::move(down));
  l.moe.experts = l.experts.get();
  if (c.moe.shared_experts > 0) {
    const std::int64_t shared = c.moe.shared_intermediate_size;
    l.shared_gate = linear(weight_part::shared_gate, shared, h);
    l.shared_up = linear(weight_part::shared_up, shared, h);
    l.shared_down = linear(weight_part::shared_down, h, shared);
    l.moe.shared_gate = l.shared_gate.get();
    l.moe.shared_up = l.shared_up.get();
    l.moe.shared_down = l.shared_down.get();
  }
}

kv_cache_spec decoder_model::kv_spec(int block_size, int num_blocks) const {
  return {config_.num_layers, config_.num_kv_heads, config_.head_dim, block_size, num_blocks, plan_.kv_cache()};
}

tensor decoder_model::mlp(const layer& l, tensor h) {
  auto& b = backend_;
  tensor out = b.allocate(h.rows, config_.hidden_size);
  if (l.is_moe) {
    b.moe(h, l.moe, moe_params_, out);
    return out;
  }
  tensor gate = b.allocate(h.rows, config_.intermediate_size);
  tensor up = b.allocate(h.rows, config_.intermediate_size);
  b.linear(h, *l.gate, nullptr, gate);
  b.linear(h, *l.up, nullptr, up);
  b.silu_mul(gate, up, gate);
  b.linear(gate, *l.down, nullptr, out);
  return out;
}

void decoder_model::forward(const step_batch& batch, std::span<float> logits) {
  if (logits.size() != batch.logit_rows.size() * static_cast<std::size_t>(config_.vocab_size))
    throw std::invalid_argument("decoder_model::forward: logits must hold logit_rows x vocab_size floats");
  backend_.read(forward(batch), logits);
}

tensor decoder_model::forward(const step_batch& batch) {
  const auto& c = config_;
  auto& b = backend_;
  const std::int64_t n = batch.token_count();
  const auto rows = static_cast<std::int64_t>(batch.logit_rows.size());
  b.begin_step(batch);
  const auto eps = static_cast<float>(c.rms_norm_eps);
  const std::int64_t q_dim = std::int64_t{c.num_heads} * c.head_dim, kv_dim = std::int64_t{c.num_kv_heads} * c.head_dim;
  const attention_params attn{0, c.num_heads, c.num_kv_heads, c.head_dim,
                              static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim)))};

  tensor residual = b.allocate(n, c.hidden_size);
  tensor h = b.allocate(n, c.hidden_size);
  tensor q = b.allocate(n, q_dim), k = b.allocate(n, kv_dim), v = b.allocate(n, kv_dim);
  tensor attn_out = b.allocate(n, q_dim), o = b.allocate(n, c.hidden_size);
  b.embed(*embedding_, residual);
  tensor pending{};  // the last sub-layer's output, not yet added to the residual
  for (int i = 0; i < c.num_layers; ++i) {
    const layer& l = layers_[static_cast<std::size_t>(i)];
    if (i == 0)
      b.rms_norm(residual, *l.attn_norm, eps, h);
    else
      b.add_rms_norm(residual, pending, *l.attn_norm, eps, h);
    b.linear(h, *l.q, l.q_bias.get(), q);
    b.linear(h, *l.k, l.k_bias.get(), k);
    b.linear(h, *l.v, l.v_bias.get(), v);
    if (l.q_norm) {
      b.head_rms_norm(q, c.head_dim, *l.q_norm, eps);
      b.head_rms_norm(k, c.head_dim, *l.k_norm, eps);
    }
    b.rope(q, c.head_dim, rope_);
    b.rope(k, c.head_dim, rope_);
    attention_params p = attn;
    p.layer = i;
    b.attention(p, q, k, v, attn_out);
    b.linear(attn_out, *l.o, nullptr, o);
    b.all_reduce(o);
    b.add_rms_norm(residual, o, *l.ffn_norm, eps, h);
    pending = mlp(l, h);
    b.all_reduce(pending);
  }
  b.add_rms_norm(residual, pending, *final_norm_, eps, h);
  bool all_rows = rows == n;  // logits of every token, in order: no gather needed
  for (std::int64_t i = 0; all_rows && i < rows; ++i) all_rows = batch.logit_rows[static_cast<std::size_t>(i)] == i;
  tensor last = h;
  if (!all_rows) {
    last = b.allocate(rows, c.hidden_size);
    b.gather_rows(h, batch.logit_rows, last);
  }
  tensor out = b.allocate_logits(rows, c.vocab_size);
  b.linear(last, lm_head_ ? *lm_head_ : *embedding_, nullptr, out);
  return out;
}

}  // namespace moeserve::model
