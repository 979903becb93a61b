#include "quant/block_fp8.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "quant/fp8_e4m3.hpp"
#include "quant/scalar.hpp"

namespace moeserve::quant {
namespace {

std::size_t to_size(std::int64_t v) { return static_cast<std::size_t>(v); }

std::uint8_t encode_scaled(float v, float scale) { return scale == 0.0f ? std::uint8_t{0} : fp32_to_e4m3(v / scale); }

void check_sizes(std::size_t q, std::size_t scale, std::int64_t rows, std::int64_t cols, std::size_t scale_rows,
                 const char* what) {
  require_matrix(q, rows, cols, what);
  if (scale != scale_rows * to_size(fp8_blocks(cols))) throw std::invalid_argument(std::string(what) + ": scale size");
}

}  // namespace

fp8_block_weight quantize_fp8_block_weight(std::span<const float> w, std::int64_t rows, std::int64_t cols) {
  require_matrix(w.size(), rows, cols, "fp8 block weight");
  require_finite(w, "fp8 block weight");
  fp8_block_weight out;
  out.rows = rows;
  out.cols = cols;
  out.q.assign(w.size(), 0);
  const std::size_t n_total = to_size(rows), k_total = to_size(cols);
  const std::size_t bn = to_size(fp8_blocks(rows)), bk = to_size(fp8_blocks(cols));
  out.scale.assign(bn * bk, 0.0f);
  for (std::size_t i = 0; i < bn; ++i) {
    const std::size_t n0 = i * fp8_block, n1 = std::min(n_total, n0 + fp8_block);
    for (std::size_t j = 0; j < bk; ++j) {
      const std::size_t k0 = j * fp8_block, k1 = std::min(k_total, k0 + fp8_block);
      float amax = 0.0f;
      for (std::size_t n = n0; n < n1; ++n) amax = std::max(amax, abs_max(w.subspan(n * k_total + k0, k1 - k0)));
      const float scale = amax / e4m3_max;
      out.scale[i * bk + j] = scale;
      for (std::size_t n = n0; n < n1; ++n) {
        for (std::size_t k = k0; k < k1; ++k) out.q[n * k_total + k] = encode_scaled(w[n * k_total + k], scale);
      }
    }
  }
  return out;
}

void dequantize_fp8_block_weight(const fp8_block_weight& w, std::span<float> out) {
  check_sizes(w.q.size(), w.scale.size(), w.rows, w.cols, to_size(fp8_blocks(w.rows)), "fp8 block weight");
  if (out.size() != w.q.size()) throw std::invalid_argument("dequantize_fp8_block_weight: output size differs");
  const std::size_t k_total = to_size(w.cols), bk = to_size(fp8_blocks(w.cols));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t n = i / k_total, k = i % k_total;
    out[i] = e4m3_to_fp32(w.q[i]) * w.scale[(n / fp8_block) * bk + k / fp8_block];
  }
}

std::vector<float> dequantize_fp8_block_weight(const fp8_block_weight& w) {
  std::vector<float> out(w.q.size());
  dequantize_fp8_block_weight(w, out);
  return out;
}

fp8_token_activation quantize_fp8_token_activation(std::span<const float> x, std::int64_t rows, std::int64_t cols) {
  require_matrix(x.size(), rows, cols, "fp8 activation");
  fp8_token_activation out;
  out.rows = rows;
  out.cols = cols;
  out.q.assign(x.size(), 0);
  const std::size_t k_total = to_size(cols), bk = to_size(fp8_blocks(cols));
  out.scale.assign(to_size(rows) * bk, 0.0f);
  for (std::size_t m = 0; m < to_size(rows); ++m) {
    for (std::size_t j = 0; j < bk; ++j) {
      const std::size_t k0 = j * fp8_block, len = std::min(k_total - k0, std::size_t{fp8_block});
      const auto group = x.subspan(m * k_total + k0, len);
      const float scale = abs_max(group) / e4m3_max;
      out.scale[m * bk + j] = scale;
      for (std::size_t k = 0; k < len; ++k) out.q[m * k_total + k0 + k] = encode_scaled(group[k], scale);
    }
  }
  return out;
}

std::vector<float> dequantize_fp8_token_activation(const fp8_token_activation& x) {
  check_sizes(x.q.size(), x.scale.size(), x.rows, x.cols, to_size(x.rows), "fp8 activation");
  std::vector<float> out(x.q.size());
  const std::size_t k_total = to_size(x.cols), bk = to_size(fp8_blocks(x.cols));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = e4m3_to_fp32(x.q[i]) * x.scale[(i / k_total) * bk + (i % k_total) / fp8_block];
  }
  return out;
}

std::vector<float> fp8_block_gemm_reference(const fp8_token_activation& x, const fp8_block_weight& w) {
  check_sizes(x.q.size(), x.scale.size(), x.rows, x.cols, to_size(x.rows), "fp8 activation");
  check_sizes(w.q.size(), w.scale.size(), w.rows, w.cols, to_size(fp8_blocks(w.rows)), "fp8 block weight");
  if (x.cols != w.cols) throw std::invalid_argument("fp8_block_gemm_reference: X has K != W's K");
  const std::size_t m_total = to_size(x.rows), n_total = to_size(w.rows), k_total = to_size(x.cols);
  const std::size_t bk = to_size(fp8_blocks(x.cols));
  // Decode once; the codes' values are exact in float.
  std::vector<float> xv(x.q.size()), wv(w.q.size());
  std::transform(x.q.begin(), x.q.end(), xv.begin(), e4m3_to_fp32);
  std::transform(w.q.begin(), w.q.end(), wv.begin(), e4m3_to_fp32);
  std::vector<float> y(m_total * n_total, 0.0f);
  for (std::size_t m = 0; m < m_total; ++m) {
    for (std::size_t n = 0; n < n_total; ++n) {
      float acc = 0.0f;
      for (std::size_t j = 0; j < bk; ++j) {
        const std::size_t k0 = j * fp8_block, k1 = std::min(k_total, k0 + fp8_block);
        float partial = 0.0f;
        for (std::size_t k = k0; k < k1; ++k) partial += xv[m * k_total + k] * wv[n * k_total + k];
        acc += partial * (x.scale[m * bk + j] * w.scale[(n / fp8_block) * bk + j]);
      }
      y[m * n_total + n] = acc;
    }
  }
  return y;
}

}  // namespace moeserve::quant
