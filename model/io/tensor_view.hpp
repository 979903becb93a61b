#pragma once
// tensor_view: a named, typed, shaped view of a tensor's bytes inside a mapped file.
//
// Shapes are row-major, as in PyTorch and safetensors: shape[rank-1] is the contiguous
// (row) dimension. GGUF stores dimensions innermost first (ggml's ne[0] is the row
// length); the GGUF reader reverses them, so a GGUF token_embd.weight with
// ne = [576, 49152] is a view of shape {49152, 576}, like Hugging Face's embed_tokens.
//
//   shape {rows..., row_length}      data: row 0 | row 1 | ... (each row_bytes(type, row_length))
//
// Rank 0 is a scalar (one element). A view never owns anything: it is valid as long as
// the file object it came from (gguf_file, safetensors_file, safetensors_checkpoint).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "model/io/dtype.hpp"

namespace moeserve::model {

inline constexpr int max_tensor_rank = 4;

// A tensor of a --load-format dummy model (model_files.hpp) has no bytes: its values are
// made where it is read (synthetic_tensor.hpp), and its shape is the one the loader
// expects.
enum class synthetic_fill : std::uint8_t { none, random, ones, zeros };

struct tensor_view {
  std::string_view name;
  dtype type = dtype::f32;
  int rank = 0;
  std::array<std::int64_t, max_tensor_rank> shape{};  // entries past rank are unused (0)
  std::span<const std::byte> data;                    // exactly the tensor's bytes (validated by the reader)
  synthetic_fill synthetic = synthetic_fill::none;    // not none: no data (see above)

  std::span<const std::int64_t> dims() const { return {shape.data(), static_cast<std::size_t>(rank)}; }

  // Product of the dimensions (1 for a scalar). The readers checked it fits int64.
  std::int64_t element_count() const {
    std::int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[static_cast<std::size_t>(i)];
    return n;
  }
  std::int64_t row_length() const { return rank == 0 ? 1 : shape[static_cast<std::size_t>(rank - 1)]; }
  // Number of rows: the product of all dimensions but the last (1 for a scalar or a vector).
  std::int64_t row_count() const {
    std::int64_t n = 1;
    for (int i = 0; i + 1 < rank; ++i) n *= shape[static_cast<std::size_t>(i)];
    return n;
  }
};

}  // namespace moeserve::model
