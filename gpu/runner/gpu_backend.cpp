#include "gpu/runner/gpu_backend.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "gpu/cublas_gemm.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/runner/paged_attention.hpp"
#include "gpu/runner/row_kernels.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/synthetic_tensor.hpp"

namespace moeserve::gpu {

namespace {

constexpr std::size_t staging_bytes = std::size_t{64} << 20;

using bf16 = __nv_bfloat16;

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("gpu backend: ") + what);
}

// Device memory of one weight: a bf16 matrix or a float32 vector.
class device_weight final : public model::backend_weight {
 public:
  device_weight(std::int64_t rows, std::int64_t cols, std::size_t bytes) : backend_weight(rows, cols), bytes_(bytes) {
    MOESERVE_CUDA_CHECK(cudaMalloc(&data_, bytes == 0 ? 1 : bytes));
  }
  ~device_weight() override { cudaFree(data_); }
  device_weight(const device_weight&) = delete;
  device_weight& operator=(const device_weight&) = delete;
  std::size_t bytes() const override { return bytes_; }
  void* data() const { return data_; }
  const bf16* matrix() const { return static_cast<const bf16*>(data_); }
  const float* floats() const { return static_cast<const float*>(data_); }

 private:
  void* data_ = nullptr;
  std::size_t bytes_;
};

// One MoE layer's routed experts, stacked (rows() x cols() = experts x hidden).
class stacked_experts final : public model::backend_weight {
 public:
  stacked_experts(int experts, int hidden, int intermediate)
      : backend_weight(experts, hidden),
        intermediate_(intermediate),
        gate_up_(experts, 2 * std::int64_t{intermediate}, sizeof(bf16) * experts * 2 * std::size_t(intermediate) * hidden),
        down_(experts, hidden, sizeof(bf16) * experts * std::size_t(hidden) * intermediate) {}
  std::size_t bytes() const override { return gate_up_.bytes() + down_.bytes(); }
  int intermediate() const { return intermediate_; }
  expert_weights gate_up() const {
    return {weight_format::bf16, static_cast<int>(rows()), 2 * intermediate_, static_cast<int>(cols()), 0,
            gate_up_.data(), nullptr};
  }
  expert_weights down() const {
    return {weight_format::bf16, static_cast<int>(rows()), static_cast<int>(cols()), intermediate_, 0, down_.data(),
            nullptr};
  }
  bf16* gate_up_data() const { return static_cast<bf16*>(gate_up_.data()); }
  bf16* down_data() const { return static_cast<bf16*>(down_.data()); }

 private:
  int intermediate_;
  device_weight gate_up_;
  device_weight down_;
};

const device_weight& as_device(const model::backend_weight& w) {
  const auto* d = dynamic_cast<const device_weight*>(&w);
  require(d != nullptr, "a weight of another backend");
  return *d;
}

bf16* rows_of(model::tensor t) { return static_cast<bf16*>(t.data); }

void require_bf16(model::tensor t, const char* op) {
  if (t.type != model::dtype::bf16) throw std::invalid_argument(std::string("gpu backend: ") + op + " takes bf16 tensors");
}

}  // namespace

gpu_backend::gpu_backend(int device, const step_capacity& capacity) : device_(device), capacity_(capacity) {
  MOESERVE_CUDA_CHECK(cudaSetDevice(device));
  MOESERVE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  MOESERVE_CUBLAS_CHECK(cublasCreate(&cublas_));
  MOESERVE_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  MOESERVE_CUDA_CHECK(cudaMallocHost(&staging_, staging_bytes));
  inputs_ = std::make_unique<step_inputs>(capacity);
}

gpu_backend::~gpu_backend() {
  cudaSetDevice(device_);
  cudaStreamSynchronize(stream_);
  moe_layers_.clear();
  inputs_.reset();
  cudaFree(kv_);
  cudaFree(inv_freq_);
  cudaFreeHost(staging_);
  cublasDestroy(cublas_);
  cudaStreamDestroy(stream_);
}

std::string gpu_backend::name() const { return "cuda:" + std::to_string(device_) + " (bf16)"; }

void gpu_backend::upload(void* dst, const void* src, std::size_t bytes) {
  MOESERVE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

std::unique_ptr<model::backend_weight> gpu_backend::load_matrix(const model::tensor_view& source) {
  const std::int64_t rows = source.row_count(), cols = source.row_length();
  require(rows > 0 && cols > 0, "load_matrix: empty tensor");
  const auto row_bytes = static_cast<std::size_t>(cols) * sizeof(bf16);
  auto w = std::make_unique<device_weight>(rows, cols, row_bytes * static_cast<std::size_t>(rows));
  if (source.synthetic != model::synthetic_fill::none) {  // --load-format dummy: made here, never on the host
    require(source.synthetic != model::synthetic_fill::zeros, "load_matrix: a zero matrix");
    fill_synthetic(static_cast<bf16*>(w->data()), static_cast<std::size_t>(rows * cols), model::synthetic_seed(source.name),
                   source.synthetic == model::synthetic_fill::ones, model::synthetic_half_width, stream_);
    MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return w;
  }
  const std::int64_t chunk = std::max<std::int64_t>(1, static_cast<std::int64_t>(staging_bytes / row_bytes));
  require(static_cast<std::size_t>(cols) * sizeof(bf16) <= staging_bytes, "load_matrix: a row exceeds the staging buffer");
  auto* staged = static_cast<bf16*>(staging_);
  for (std::int64_t first = 0; first < rows; first += chunk) {
    const std::int64_t count = std::min(chunk, rows - first);
    const std::size_t bytes = row_bytes * static_cast<std::size_t>(count);
    if (source.type == model::dtype::bf16) {
      std::memcpy(staged, source.data.data() + row_bytes * static_cast<std::size_t>(first), bytes);
    } else {
      const auto values = model::dequantize_rows(source, first, count);
      for (std::size_t i = 0; i < values.size(); ++i) staged[i] = __float2bfloat16(values[i]);
    }
    upload(static_cast<char*>(w->data()) + row_bytes * static_cast<std::size_t>(first), staged, bytes);
  }
  return w;
}

std::unique_ptr<model::backend_weight> gpu_backend::load_quantized(model::quantized_weight w) {
  throw std::invalid_argument("the GPU backend has no " + std::string(quant::to_string(w.format())) +
                              " weights yet (BF16 only): run the quantized model with --device cpu");
}

std::unique_ptr<model::backend_weight> gpu_backend::load_vector(const model::tensor_view& source) {
  const auto values = model::dequantize(source);
  auto w = std::make_unique<device_weight>(1, static_cast<std::int64_t>(values.size()), values.size() * sizeof(float));
  upload(w->data(), values.data(), values.size() * sizeof(float));
  return w;
}

std::unique_ptr<model::backend_weight> gpu_backend::stack_experts(std::vector<std::unique_ptr<model::backend_weight>> gate,
                                                                 std::vector<std::unique_ptr<model::backend_weight>> up,
                                                                 std::vector<std::unique_ptr<model::backend_weight>> down) {
  require(!gate.empty() && gate.size() == up.size() && gate.size() == down.size(), "stack_experts: expert counts");
  const auto experts = static_cast<int>(gate.size());
  const auto inter = static_cast<int>(gate[0]->rows());
  const auto hidden = static_cast<int>(gate[0]->cols());
  auto stack = std::make_unique<stacked_experts>(experts, hidden, inter);
  const std::size_t projection = std::size_t(inter) * hidden;  // elements of one expert's gate (or up, or down)
  for (int e = 0; e < experts; ++e) {
    const auto& g = as_device(*gate[static_cast<std::size_t>(e)]);
    const auto& u = as_device(*up[static_cast<std::size_t>(e)]);
    const auto& d = as_device(*down[static_cast<std::size_t>(e)]);
    require(g.rows() == inter && g.cols() == hidden && u.rows() == inter && u.cols() == hidden && d.rows() == hidden &&
                d.cols() == inter,
            "stack_experts: expert shapes differ");
    bf16* gu = stack->gate_up_data() + std::size_t(e) * 2 * projection;
    MOESERVE_CUDA_CHECK(cudaMemcpyAsync(gu, g.data(), projection * sizeof(bf16), cudaMemcpyDeviceToDevice, stream_));
    MOESERVE_CUDA_CHECK(
        cudaMemcpyAsync(gu + projection, u.data(), projection * sizeof(bf16), cudaMemcpyDeviceToDevice, stream_));
    MOESERVE_CUDA_CHECK(cudaMemcpyAsync(stack->down_data() + std::size_t(e) * projection, d.data(),
                                        projection * sizeof(bf16), cudaMemcpyDeviceToDevice, stream_));
  }
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  return stack;  // the per-expert weights are freed with the vectors
}

std::size_t gpu_backend::kv_block_bytes(const model::kv_cache_spec& s) {
  return std::size_t{2} * s.layers * std::size_t(s.block_size) * s.kv_heads * s.head_dim * sizeof(bf16);
}

void gpu_backend::allocate_kv_cache(const model::kv_cache_spec& spec) {
  if (spec.format != quant::kv_cache_format::auto_)
    throw std::invalid_argument("the GPU backend has no quantized KV cache yet: run without --kv-cache-dtype");
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  MOESERVE_CUDA_CHECK(cudaFree(kv_));
  kv_ = nullptr;
  kv_bytes_ = 0;
  kv_spec_ = spec;
  if (spec.num_blocks <= 0) return;
  const std::size_t bytes = kv_block_bytes(spec) * static_cast<std::size_t>(spec.num_blocks);
  MOESERVE_CUDA_CHECK(cudaMalloc(&kv_, bytes));
  kv_bytes_ = bytes;
}

void gpu_backend::begin_step(const model::step_batch& batch) {
  require(kv_ != nullptr, "begin_step before allocate_kv_cache");
  if (const auto problem = batch.check(kv_spec_.block_size, kv_spec_.num_blocks); !problem.empty())
    throw std::invalid_argument("step batch: " + problem);
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the arena's last users are done
  arena_.reset();
  inputs_->upload(batch, stream_);
  batch_ = &batch;
}

model::tensor gpu_backend::allocate(std::int64_t rows, std::int64_t cols) {
  return {arena_.allocate(static_cast<std::size_t>(rows * cols) * sizeof(bf16)), model::dtype::bf16, rows, cols};
}

model::tensor gpu_backend::allocate_logits(std::int64_t rows, std::int64_t cols) {
  return {arena_.allocate(static_cast<std::size_t>(rows * cols) * sizeof(float)), model::dtype::f32, rows, cols};
}

void gpu_backend::embed(const model::backend_weight& table, model::tensor out) {
  require_bf16(out, "embed");
  require(batch_ && out.rows == batch_->token_count() && out.cols == table.cols(), "embed: shapes");
  embed_rows(as_device(table).matrix(), inputs_->tokens(), static_cast<int>(out.rows), static_cast<int>(out.cols),
             rows_of(out), stream_);
}

void gpu_backend::rms_norm(model::tensor x, const model::backend_weight& w, float eps, model::tensor out) {
  require_bf16(x, "rms_norm");
  require(x.rows == out.rows && x.cols == out.cols && w.cols() == x.cols, "rms_norm: shapes");
  gpu::rms_norm(rows_of(x), as_device(w).floats(), static_cast<int>(x.rows), static_cast<int>(x.cols), eps, rows_of(out),
                stream_);
}

void gpu_backend::add_rms_norm(model::tensor residual, model::tensor x, const model::backend_weight& w, float eps,
                               model::tensor out) {
  require_bf16(x, "add_rms_norm");
  require(residual.rows == x.rows && residual.cols == x.cols && out.rows == x.rows && out.cols == x.cols &&
              w.cols() == x.cols,
          "add_rms_norm: shapes");
  gpu::add_rms_norm(rows_of(residual), rows_of(x), as_device(w).floats(), static_cast<int>(x.rows),
                    static_cast<int>(x.cols), eps, rows_of(out), stream_);
}

void gpu_backend::linear(model::tensor x, const model::backend_weight& w, const model::backend_weight* bias,
                         model::tensor out) {
  require_bf16(x, "linear");
  require(x.cols == w.cols() && out.rows == x.rows && out.cols == w.rows(), "linear: shapes");
  const bool f32 = out.type == model::dtype::f32;
  dense_gemm_bf16(cublas_, rows_of(x), as_device(w).matrix(), out.data, f32 ? CUDA_R_32F : CUDA_R_16BF,
                  static_cast<int>(x.rows), static_cast<int>(w.rows()), static_cast<int>(w.cols()), stream_);
  if (bias) {
    require(!f32 && bias->cols() == out.cols, "linear: bias shape");
    add_bias(rows_of(out), as_device(*bias).floats(), static_cast<int>(out.rows), static_cast<int>(out.cols), stream_);
  }
}

void gpu_backend::head_rms_norm(model::tensor x, int head_dim, const model::backend_weight& w, float eps) {
  require_bf16(x, "head_rms_norm");
  require(head_dim > 0 && x.cols % head_dim == 0 && w.cols() == head_dim, "head_rms_norm: shapes");
  gpu::head_rms_norm(rows_of(x), as_device(w).floats(), static_cast<int>(x.rows), static_cast<int>(x.cols), head_dim,
                     eps, stream_);
}

const float* gpu_backend::inv_freq_for(const model::rope_table& table) {
  if (inv_freq_ == nullptr || inv_freq_host_ != table.inv_freq) {
    MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    MOESERVE_CUDA_CHECK(cudaFree(inv_freq_));
    inv_freq_ = nullptr;
    void* p = nullptr;
    MOESERVE_CUDA_CHECK(cudaMalloc(&p, std::max<std::size_t>(1, table.inv_freq.size()) * sizeof(float)));
    inv_freq_ = static_cast<float*>(p);
    upload(inv_freq_, table.inv_freq.data(), table.inv_freq.size() * sizeof(float));
    inv_freq_host_ = table.inv_freq;
  }
  return inv_freq_;
}

void gpu_backend::rope(model::tensor x, int head_dim, const model::rope_table& table) {
  require_bf16(x, "rope");
  require(batch_ && x.rows == batch_->token_count() && head_dim > 0 && x.cols % head_dim == 0 &&
              table.rotary_dims <= head_dim && table.rotary_dims % 2 == 0,
          "rope: shapes");
  rope_args a;
  a.positions = inputs_->positions();
  a.inv_freq = inv_freq_for(table);
  a.rotary_dims = table.rotary_dims;
  a.neox = table.style == model::rope_style::neox;
  a.scaling = table.attention_scaling;
  gpu::rope(rows_of(x), static_cast<int>(x.rows), static_cast<int>(x.cols), head_dim, a, stream_);
}

void gpu_backend::attention(const model::attention_params& p, model::tensor q, model::tensor k, model::tensor v,
                            model::tensor out) {
  require_bf16(q, "attention");
  const auto& s = kv_spec_;
  const std::int64_t kv_dim = std::int64_t{p.num_kv_heads} * p.head_dim;
  require(batch_ && kv_ && p.layer >= 0 && p.layer < s.layers && p.num_kv_heads == s.kv_heads && p.head_dim == s.head_dim,
          "attention: parameters differ from the KV cache");
  require(q.rows == batch_->token_count() && q.cols == std::int64_t{p.num_heads} * p.head_dim && k.rows == q.rows &&
              v.rows == q.rows && k.cols == kv_dim && v.cols == kv_dim && out.rows == q.rows && out.cols == q.cols,
          "attention: shapes");
  const std::size_t layer_elements = std::size_t(s.num_blocks) * s.block_size * std::size_t(kv_dim);
  bf16* k_cache = static_cast<bf16*>(kv_) + std::size_t(2 * p.layer) * layer_elements;
  bf16* v_cache = k_cache + layer_elements;
  store_kv(rows_of(k), rows_of(v), inputs_->slots(), static_cast<int>(q.rows), static_cast<int>(kv_dim), k_cache, v_cache,
           stream_);
  paged_attention_args a;
  a.q = rows_of(q);
  a.out = rows_of(out);
  a.k_cache = k_cache;
  a.v_cache = v_cache;
  a.positions = inputs_->positions();
  a.token_sequence = inputs_->token_sequence();
  a.block_table_start = inputs_->block_table_start();
  a.block_tables = inputs_->block_tables();
  a.tokens = static_cast<int>(q.rows);
  a.heads = p.num_heads;
  a.kv_heads = p.num_kv_heads;
  a.head_dim = p.head_dim;
  a.block_size = s.block_size;
  a.scale = p.scale;
  paged_attention(a, stream_);
}

void gpu_backend::silu_mul(model::tensor gate, model::tensor up, model::tensor out) {
  require_bf16(gate, "silu_mul");
  require(gate.size() == up.size() && out.size() == gate.size(), "silu_mul: shapes");
  gpu::silu_mul(rows_of(gate), rows_of(up), static_cast<std::size_t>(gate.size()), rows_of(out), stream_);
}

moe_layer& gpu_backend::moe_for(const moe_layer_config& c) {
  const auto key = std::make_tuple(c.hidden, c.experts, c.top_k, c.intermediate, c.renormalize, c.norm_min);
  auto& layer = moe_layers_[key];
  if (!layer) layer = std::make_unique<moe_layer>(c, capacity_.tokens);
  return *layer;
}

void gpu_backend::moe(model::tensor x, const model::moe_weights& w, const model::moe_params& p, model::tensor out) {
  require_bf16(x, "moe");
  const auto* stack = dynamic_cast<const stacked_experts*>(w.experts);
  require(w.router && stack && stack->rows() == w.router->rows() && stack->cols() == x.cols && p.top_k > 0 &&
              p.top_k <= w.router->rows(),
          "moe: weights and parameters disagree");
  require(out.rows == x.rows && out.cols == x.cols && w.router->cols() == x.cols, "moe: shapes");
  require(x.rows <= capacity_.tokens, "moe: more tokens than the step capacity");
  moe_layer_config c;
  c.hidden = static_cast<int>(x.cols);
  c.experts = static_cast<int>(stack->rows());
  c.top_k = p.top_k;
  c.intermediate = stack->intermediate();
  c.renormalize = p.normalize;
  c.norm_min = p.normalize ? p.norm_min : 0.0f;
  moe_layer_weights lw;
  lw.router = as_device(*w.router).matrix();
  lw.correction_bias = w.selection_bias ? as_device(*w.selection_bias).floats() : nullptr;
  require(p.router == model::router_kind::softmax_top_k || lw.correction_bias, "moe: biased routing without a bias");
  lw.gate_up = stack->gate_up();
  lw.down = stack->down();
  moe_for(c).forward(lw, rows_of(x), static_cast<int>(x.rows), rows_of(out), stream_);
  if (w.shared_gate) {  // shared experts: a dense SwiGLU MLP on every token, added
    const std::int64_t inter = w.shared_gate->rows();
    model::tensor g = allocate(x.rows, inter), u = allocate(x.rows, inter), y = allocate(x.rows, x.cols);
    linear(x, *w.shared_gate, nullptr, g);
    linear(x, *w.shared_up, nullptr, u);
    silu_mul(g, u, g);
    linear(g, *w.shared_down, nullptr, y);
    add_into(rows_of(out), rows_of(y), static_cast<std::size_t>(y.size()), stream_);
  }
}

void gpu_backend::gather_rows(model::tensor x, std::span<const std::int32_t> rows, model::tensor out) {
  require_bf16(x, "gather_rows");
  require(batch_ && rows.data() == batch_->logit_rows.data() && rows.size() == batch_->logit_rows.size(),
          "gather_rows takes the step's logit rows");
  require(out.rows == static_cast<std::int64_t>(rows.size()) && out.cols == x.cols, "gather_rows: shapes");
  for (const auto r : rows) require(r >= 0 && r < x.rows, "gather_rows: row out of range");
  gpu::gather_rows(rows_of(x), inputs_->logit_rows(), static_cast<int>(out.rows), static_cast<int>(out.cols),
                   rows_of(out), stream_);
}

void gpu_backend::read(model::tensor t, std::span<float> out) {
  require(out.size() == static_cast<std::size_t>(t.size()), "read: size");
  if (t.type == model::dtype::f32) {
    MOESERVE_CUDA_CHECK(cudaMemcpyAsync(out.data(), t.data, out.size() * sizeof(float), cudaMemcpyDeviceToHost, stream_));
    MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return;
  }
  std::vector<bf16> host(out.size());
  MOESERVE_CUDA_CHECK(cudaMemcpyAsync(host.data(), t.data, host.size() * sizeof(bf16), cudaMemcpyDeviceToHost, stream_));
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(stream_));
  for (std::size_t i = 0; i < host.size(); ++i) out[i] = __bfloat162float(host[i]);
}

void gpu_backend::write(model::tensor t, std::span<const float> in) {
  require(in.size() == static_cast<std::size_t>(t.size()), "write: size");
  if (t.type == model::dtype::f32) {
    upload(t.data, in.data(), in.size() * sizeof(float));
    return;
  }
  std::vector<bf16> host(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) host[i] = __float2bfloat16(in[i]);
  upload(t.data, host.data(), host.size() * sizeof(bf16));
}

}  // namespace moeserve::gpu
