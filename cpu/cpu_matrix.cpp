#include "cpu/cpu_matrix.hpp"

#include <stdexcept>

#include "model/io/dequantize.hpp"

namespace moeserve::cpu {

using model::dtype;

bool kept_as_is(dtype t) { return t == dtype::f32 || t == dtype::q8_0 || t == dtype::q4_0 || t == dtype::q4_1; }

std::unique_ptr<cpu_matrix> cpu_matrix::from_floats(std::int64_t rows, std::int64_t cols, std::vector<float> values) {
  if (static_cast<std::int64_t>(values.size()) != rows * cols)
    throw std::invalid_argument("cpu_matrix::from_floats: rows * cols values expected");
  std::unique_ptr<cpu_matrix> m(new cpu_matrix(rows, cols));
  m->owned_ = std::move(values);
  m->type_ = dtype::f32;
  m->row_bytes_ = static_cast<std::size_t>(cols) * sizeof(float);
  m->data_ = reinterpret_cast<const std::byte*>(m->owned_.data());
  return m;
}

std::unique_ptr<cpu_matrix> cpu_matrix::from_quantized(model::quantized_weight w) {
  const std::int64_t rows = w.rows, cols = w.cols;
  std::unique_ptr<cpu_matrix> m(new cpu_matrix(rows, cols));
  m->packed_ = std::make_unique<const packed_weight>(packed_weight::from(std::move(w)));
  m->type_ = dtype::u8;  // not read: packed() takes precedence
  return m;
}

std::size_t cpu_matrix::bytes() const {
  if (packed_) return packed_->bytes();
  return row_bytes_ * static_cast<std::size_t>(rows());
}

std::unique_ptr<cpu_matrix> cpu_matrix::from_view(const model::tensor_view& t) {
  if (t.rank != 2) throw std::invalid_argument("cpu_matrix: a 2-D tensor is expected");
  const std::int64_t rows = t.shape[0], cols = t.shape[1];
  const bool aligned = reinterpret_cast<std::uintptr_t>(t.data.data()) % alignof(float) == 0;
  if (!kept_as_is(t.type) || (t.type == dtype::f32 && !aligned) || t.synthetic != model::synthetic_fill::none)
    return from_floats(rows, cols, model::dequantize(t));
  std::unique_ptr<cpu_matrix> m(new cpu_matrix(rows, cols));
  m->type_ = t.type;
  m->row_bytes_ = static_cast<std::size_t>(*model::row_bytes(t.type, cols));
  m->data_ = t.data.data();
  return m;
}

std::unique_ptr<cpu_matrix> cpu_matrix::vector_from_view(const model::tensor_view& t) {
  auto values = model::dequantize(t);
  const auto n = static_cast<std::int64_t>(values.size());
  return from_floats(1, n, std::move(values));
}

}  // namespace moeserve::cpu
