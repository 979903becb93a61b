#pragma once
// cpu_matrix: a weight as the CPU backend keeps it: [rows, cols] in one of the formats its
// kernels read directly, each row `row_bytes` bytes:
//
//   f32               plain floats
//   q8_0, q4_0, q4_1  ggml blocks of 32 (model/io/ggml_blocks.hpp), straight from the
//                     memory-mapped GGUF file (no copy)
//
// Other types (f16, bf16, q4_k, q6_k, ...) are dequantized to f32 at load; so are f32
// tensors whose bytes are not 4-byte aligned in the file. A vector (norm weights, biases)
// is a 1-row f32 matrix.
//
// A quantized weight (quant/'s wint8, wint4, block_wise_fp8, wint2; from online
// quantization or a pre-quantized checkpoint) is held as a packed_weight (packed_weight.hpp)
// and read by quant_linear; packed() is null for the formats above.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cpu/packed_weight.hpp"
#include "model/backend/backend.hpp"
#include "model/io/dtype.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::cpu {

class cpu_matrix : public model::backend_weight {
 public:
  // A [rows, cols] matrix from a 2-D tensor view (which must outlive it, unless converted).
  static std::unique_ptr<cpu_matrix> from_view(const model::tensor_view& t);
  // A 1-row f32 matrix of all of the tensor's values.
  static std::unique_ptr<cpu_matrix> vector_from_view(const model::tensor_view& t);
  // A matrix owning `values` (rows * cols floats); tests and converted weights.
  static std::unique_ptr<cpu_matrix> from_floats(std::int64_t rows, std::int64_t cols, std::vector<float> values);
  // A quantized weight, repacked (throws std::invalid_argument for inconsistent arrays).
  static std::unique_ptr<cpu_matrix> from_quantized(model::quantized_weight w);

  // The quantized weight, or null for f32 and ggml formats.
  const packed_weight* packed() const { return packed_.get(); }
  // Bytes of the weight's data: owned floats, the mapped ggml rows, or the packed format.
  std::size_t bytes() const override;

  model::dtype type() const { return type_; }
  std::size_t row_bytes() const { return row_bytes_; }
  const std::byte* row(std::int64_t r) const { return data_ + static_cast<std::size_t>(r) * row_bytes_; }
  // The f32 values when type() is f32.
  const float* floats() const { return reinterpret_cast<const float*>(data_); }

 private:
  cpu_matrix(std::int64_t rows, std::int64_t cols) : backend_weight(rows, cols) {}

  model::dtype type_ = model::dtype::f32;
  std::size_t row_bytes_ = 0;
  const std::byte* data_ = nullptr;
  std::vector<float> owned_;
  std::unique_ptr<const packed_weight> packed_;
};

// Whether the CPU kernels read `t` as it is (else it is converted to f32 at load).
bool kept_as_is(model::dtype t);

}  // namespace moeserve::cpu
