#include "cpu/cpu_backend.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cpu/attention.hpp"
#include "cpu/cpu_matrix.hpp"
#include "cpu/linear.hpp"
#include "cpu/moe.hpp"
#include "cpu/vec_kernels.hpp"

namespace moeserve::cpu {

namespace {

const cpu_matrix& as_cpu(const model::backend_weight& w) { return static_cast<const cpu_matrix&>(w); }

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("cpu_backend: ") + what);
}

constexpr std::size_t min_chunk_floats = std::size_t{1} << 20;

}  // namespace

cpu_backend::cpu_backend(int threads) : pool_(threads) {}
cpu_backend::~cpu_backend() = default;

std::string cpu_backend::name() const {
  return "cpu (" + std::to_string(pool_.size()) + " threads, " + (kernels::using_avx2() ? "avx2+fma" : "baseline") + ")";
}

std::unique_ptr<model::backend_weight> cpu_backend::load_matrix(const model::tensor_view& source) {
  return cpu_matrix::from_view(source);
}

std::unique_ptr<model::backend_weight> cpu_backend::load_quantized(model::quantized_weight w) {
  return cpu_matrix::from_quantized(std::move(w));
}

std::unique_ptr<model::backend_weight> cpu_backend::load_vector(const model::tensor_view& source) {
  return cpu_matrix::vector_from_view(source);
}

void cpu_backend::allocate_kv_cache(const model::kv_cache_spec& spec) {
  require(spec.layers > 0 && spec.kv_heads > 0 && spec.head_dim > 0 && spec.block_size > 0 && spec.num_blocks > 0,
          "every KV cache dimension must be positive");
  cache_ = kv_cache(spec);
}

void cpu_backend::begin_step(const model::step_batch& batch) {
  require(!cache_.empty(), "allocate_kv_cache must come before the first step");
  const std::string problem = batch.check(cache_.spec().block_size, cache_.spec().num_blocks);
  if (!problem.empty()) throw std::invalid_argument("step batch: " + problem);
  batch_ = &batch;
  angles_for_ = nullptr;
  if (chunks_.size() > 1) {  // last step overflowed: one chunk big enough for all of it
    chunks_.clear();
    chunks_.emplace_back(std::max(step_total_, min_chunk_floats));
  }
  used_ = 0;
  step_total_ = 0;
}

model::tensor cpu_backend::allocate(std::int64_t rows, std::int64_t cols) {
  // 16 floats (64 bytes) of alignment per tensor.
  const auto n = static_cast<std::size_t>((rows * cols + 15) / 16 * 16);
  step_total_ += n;
  if (chunks_.empty() || used_ + n > chunks_.back().size()) {
    chunks_.emplace_back(std::max(n, min_chunk_floats));
    used_ = 0;
  }
  float* p = chunks_.back().data() + used_;
  used_ += n;
  return {p, model::dtype::f32, rows, cols};
}

void cpu_backend::embed(const model::backend_weight& table, model::tensor out) {
  require(out.rows == batch_->token_count() && out.cols == table.cols(), "embed: output shape");
  require(!as_cpu(table).packed(), "embed: the embedding table is never quantized");
  embed_rows(as_cpu(table), batch_->tokens, out.as<float>());
}

void cpu_backend::rms_norm(model::tensor x, const model::backend_weight& w, float eps, model::tensor out) {
  require(x.cols == w.cols() && out.rows == x.rows && out.cols == x.cols, "rms_norm: shapes");
  rms_norm_rows(x.as<float>(), as_cpu(w).floats(), eps, x.rows, x.cols, out.as<float>());
}

void cpu_backend::add_rms_norm(model::tensor residual, model::tensor x, const model::backend_weight& w, float eps,
                               model::tensor out) {
  require(x.rows == residual.rows && x.cols == residual.cols && x.cols == w.cols() && out.rows == x.rows &&
              out.cols == x.cols,
          "add_rms_norm: shapes");
  add_rms_norm_rows(residual.as<float>(), x.as<float>(), as_cpu(w).floats(), eps, x.rows, x.cols, out.as<float>());
}

void cpu_backend::linear(model::tensor x, const model::backend_weight& w, const model::backend_weight* bias,
                         model::tensor out) {
  require(x.cols == w.cols() && out.rows == x.rows && out.cols == w.rows(), "linear: shapes");
  require(!bias || bias->cols() == w.rows(), "linear: bias length");
  cpu::linear(pool_, as_cpu(w), x.as<float>(), x.rows, bias ? as_cpu(*bias).floats() : nullptr, out.as<float>());
}

void cpu_backend::head_rms_norm(model::tensor x, int head_dim, const model::backend_weight& w, float eps) {
  require(head_dim > 0 && x.cols % head_dim == 0 && w.cols() == head_dim, "head_rms_norm: shapes");
  rms_norm_rows(x.as<float>(), as_cpu(w).floats(), eps, x.size() / head_dim, head_dim, x.as<float>());
}

void cpu_backend::rope(model::tensor x, int head_dim, const model::rope_table& table) {
  require(x.rows == batch_->token_count() && head_dim > 0 && x.cols % head_dim == 0 && table.rotary_dims <= head_dim,
          "rope: shapes");
  if (angles_for_ != &table) {
    angles_ = make_rope_angles(table, batch_->positions);
    angles_for_ = &table;
  }
  apply_rope(table, angles_, x.as<float>(), x.rows, x.cols, head_dim);
}

void cpu_backend::attention(const model::attention_params& p, model::tensor q, model::tensor k, model::tensor v,
                            model::tensor out) {
  const auto& spec = cache_.spec();
  require(p.layer >= 0 && p.layer < spec.layers && p.num_kv_heads == spec.kv_heads && p.head_dim == spec.head_dim &&
              p.num_kv_heads > 0 && p.num_heads % p.num_kv_heads == 0,
          "attention: parameters do not match the KV cache");
  const std::int64_t n = batch_->token_count(), q_dim = std::int64_t{p.num_heads} * p.head_dim;
  require(q.rows == n && q.cols == q_dim && k.rows == n && v.rows == n && k.cols == cache_.slot_values() &&
              v.cols == k.cols && out.rows == n && out.cols == q_dim,
          "attention: shapes");
  paged_attention(pool_, cache_, *batch_, p, q.as<float>(), k.as<float>(), v.as<float>(), out.as<float>());
}

void cpu_backend::silu_mul(model::tensor gate, model::tensor up, model::tensor out) {
  require(gate.size() == up.size() && out.size() == gate.size(), "silu_mul: shapes");
  cpu::silu_mul(gate.as<float>(), up.as<float>(), gate.size(), out.as<float>());
}

void cpu_backend::moe(model::tensor x, const model::moe_weights& w, const model::moe_params& p, model::tensor out) {
  const auto* stack = dynamic_cast<const model::expert_stack*>(w.experts);
  require(w.router && stack && stack->gate.size() == static_cast<std::size_t>(w.router->rows()) &&
              stack->up.size() == stack->gate.size() && stack->down.size() == stack->gate.size() && p.top_k > 0 &&
              p.top_k <= w.router->rows(),
          "moe: weights and parameters disagree");
  require(out.rows == x.rows && out.cols == x.cols && w.router->cols() == x.cols, "moe: shapes");
  moe_block(pool_, w, p, x.as<float>(), x.rows, x.cols, out.as<float>());
}

void cpu_backend::gather_rows(model::tensor x, std::span<const std::int32_t> rows, model::tensor out) {
  require(out.rows == static_cast<std::int64_t>(rows.size()) && out.cols == x.cols, "gather_rows: shapes");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    require(rows[i] >= 0 && rows[i] < x.rows, "gather_rows: row out of range");
    std::memcpy(out.as<float>() + static_cast<std::int64_t>(i) * x.cols, x.as<float>() + rows[i] * x.cols,
                static_cast<std::size_t>(x.cols) * sizeof(float));
  }
}

void cpu_backend::read(model::tensor t, std::span<float> out) {
  require(out.size() == static_cast<std::size_t>(t.size()), "read: size");
  std::memcpy(out.data(), t.data, out.size() * sizeof(float));
}

void cpu_backend::write(model::tensor t, std::span<const float> in) {
  require(in.size() == static_cast<std::size_t>(t.size()), "write: size");
  std::memcpy(t.data, in.data(), in.size() * sizeof(float));
}

}  // namespace moeserve::cpu
