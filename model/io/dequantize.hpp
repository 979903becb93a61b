#pragma once
// Dequantization of weight tensors to float, exactly as ggml (and gguf-py) define it.
//
// Supported: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k (see ggml_blocks.hpp for the
// block layouts and formulas). Results are bit-identical to gguf-py's dequantize: every
// product and sum is computed in float in the same order, without fused multiply-add
// (the build uses ISO C++ mode, where GCC does not contract; x86-64 baseline has no FMA).
//
// Threading: pure functions; call them from any thread, on disjoint outputs.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/io/dtype.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

bool can_dequantize(dtype t);

// Dequantizes whole blocks: `src` holds exactly row_bytes(t, dst.size()) bytes (dst.size()
// a multiple of the block size). Throws std::invalid_argument for an unsupported type or
// mismatched sizes.
void dequantize_row(dtype t, std::span<const std::byte> src, std::span<float> dst);

// The whole tensor, row-major (element_count() floats). Throws load_error naming the tensor
// when its type cannot be dequantized.
std::vector<float> dequantize(const tensor_view& t);
// Same, into `out` (exactly element_count() floats; std::invalid_argument otherwise).
void dequantize_into(const tensor_view& t, std::span<float> out);

// Rows [first_row, first_row + row_count) of the tensor (see tensor_view::row_count),
// row_count * row_length() floats. Throws std::out_of_range for rows outside the tensor.
std::vector<float> dequantize_rows(const tensor_view& t, std::int64_t first_row, std::int64_t row_count);

}  // namespace moeserve::model
