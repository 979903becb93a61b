#include "cpu/row_ops.hpp"

#include <cmath>
#include <stdexcept>

#include "cpu/vec_kernels.hpp"

namespace moeserve::cpu {

namespace {

float inverse_rms(const float* x, std::int64_t cols, float eps) {
  double sum = 0;
  for (std::int64_t i = 0; i < cols; ++i) sum += static_cast<double>(x[i]) * x[i];
  const auto mean = static_cast<float>(sum / static_cast<double>(cols));
  return 1.0f / std::sqrt(mean + eps);
}

}  // namespace

void rms_norm_rows(const float* x, const float* w, float eps, std::int64_t n, std::int64_t cols, float* out) {
  for (std::int64_t t = 0; t < n; ++t) {
    const float* xr = x + t * cols;
    float* o = out + t * cols;
    const float r = inverse_rms(xr, cols, eps);
    for (std::int64_t i = 0; i < cols; ++i) o[i] = w[i] * (xr[i] * r);
  }
}

void add_rms_norm_rows(float* residual, const float* x, const float* w, float eps, std::int64_t n, std::int64_t cols,
                       float* out) {
  for (std::int64_t i = 0; i < n * cols; ++i) residual[i] += x[i];
  rms_norm_rows(residual, w, eps, n, cols, out);
}

void silu_mul(const float* gate, const float* up, std::int64_t count, float* out) {
  for (std::int64_t i = 0; i < count; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void embed_rows(const cpu_matrix& table, std::span<const std::int32_t> tokens, float* out) {
  const std::int64_t cols = table.cols();
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const std::int32_t id = tokens[t];
    if (id < 0 || id >= table.rows()) throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary");
    kernels::decode_row(table.type(), table.row(id), cols, out + static_cast<std::int64_t>(t) * cols);
  }
}

rope_angles make_rope_angles(const model::rope_table& table, std::span<const std::int32_t> positions) {
  rope_angles a;
  a.pairs = table.rotary_dims / 2;
  const auto pairs = static_cast<std::size_t>(a.pairs);
  a.cos.resize(positions.size() * pairs);
  a.sin.resize(positions.size() * pairs);
  for (std::size_t t = 0; t < positions.size(); ++t)
    for (std::size_t i = 0; i < pairs; ++i) {
      // As transformers: the angle is a float32 product, its cos/sin taken in float32.
      const float angle = static_cast<float>(positions[t]) * table.inv_freq[i];
      a.cos[t * pairs + i] = static_cast<float>(std::cos(static_cast<double>(angle))) * table.attention_scaling;
      a.sin[t * pairs + i] = static_cast<float>(std::sin(static_cast<double>(angle))) * table.attention_scaling;
    }
  return a;
}

void apply_rope(const model::rope_table& table, const rope_angles& angles, float* x, std::int64_t n,
                std::int64_t cols, int head_dim) {
  const int pairs = angles.pairs;
  const bool neox = table.style == model::rope_style::neox;
  for (std::int64_t t = 0; t < n; ++t) {
    const float* c = angles.cos.data() + t * pairs;
    const float* s = angles.sin.data() + t * pairs;
    for (std::int64_t h = 0; h < cols / head_dim; ++h) {
      float* v = x + t * cols + h * head_dim;
      for (int i = 0; i < pairs; ++i) {
        float& a = neox ? v[i] : v[2 * i];
        float& b = neox ? v[i + pairs] : v[2 * i + 1];
        const float x0 = a, x1 = b;
        a = x0 * c[i] - x1 * s[i];
        b = x1 * c[i] + x0 * s[i];
      }
    }
  }
}

}  // namespace moeserve::cpu
