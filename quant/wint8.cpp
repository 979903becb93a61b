#include "quant/wint8.hpp"

#include <stdexcept>

namespace moeserve::quant {

float quantize_wint8_row(std::span<const float> row, scale_dtype scale_type, std::span<std::int8_t> q) {
  if (q.size() != row.size()) throw std::invalid_argument("quantize_wint8_row: output size differs from input");
  require_finite(row, "wint8 weight");
  const float scale = stored_scale(abs_max(row) / 127.0f, scale_type);
  for (std::size_t k = 0; k < row.size(); ++k) {
    q[k] = scale == 0.0f ? std::int8_t{0} : static_cast<std::int8_t>(round_clamp_symmetric(row[k] / scale, 127));
  }
  return scale;
}

wint8_weight quantize_wint8(std::span<const float> w, std::int64_t rows, std::int64_t cols, scale_dtype scale_type) {
  require_matrix(w.size(), rows, cols, "wint8 weight");
  wint8_weight out;
  out.rows = rows;
  out.cols = cols;
  out.scale_type = scale_type;
  out.q.resize(w.size());
  out.scale.resize(static_cast<std::size_t>(rows));
  const auto k = static_cast<std::size_t>(cols);
  for (std::size_t n = 0; n < out.scale.size(); ++n) {
    out.scale[n] = quantize_wint8_row(w.subspan(n * k, k), scale_type, std::span(out.q).subspan(n * k, k));
  }
  return out;
}

void dequantize_wint8(const wint8_weight& w, std::span<float> out) {
  require_matrix(w.q.size(), w.rows, w.cols, "wint8 q");
  if (w.scale.size() != static_cast<std::size_t>(w.rows)) throw std::invalid_argument("wint8: scale size != rows");
  if (out.size() != w.q.size()) throw std::invalid_argument("dequantize_wint8: output size differs");
  const auto k = static_cast<std::size_t>(w.cols);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(w.q[i]) * w.scale[i / k];
}

std::vector<float> dequantize_wint8(const wint8_weight& w) {
  std::vector<float> out(w.q.size());
  dequantize_wint8(w, out);
  return out;
}

}  // namespace moeserve::quant
