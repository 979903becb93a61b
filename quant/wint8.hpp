#pragma once
// WINT8: weight-only INT8, symmetric, one scale per output channel (FastDeploy's `wint8`,
// W8A16C16). Canonical (checkpoint) layout; a backend may repack it at load.
//
//   W[N][K] float, row-major: N output channels (rows), K inputs, like a HF Linear weight
//
//   q[N][K]    int8, row-major, values in [-127, 127] (-128 never produced)
//   scale[N]   one per row, FP32 or BF16 (scale_dtype)
//
//   scale[n] = stored(amax_k |W[n][k]| / 127)            (0 for an all-zero row)
//   q[n][k]  = clamp(round_half_away(W[n][k] / scale[n]), -127, 127)   (0 when scale is 0)
//   W[n][k] ~= q[n][k] * scale[n]
//
// The quantizer divides by the *stored* scale (BF16-rounded when scales are BF16), so the
// error bound |W - q*scale| <= scale/2 holds per element whenever amax/scale <= 127.5,
// which BF16 rounding (relative error <= 2^-9) keeps true.
//
// Threading: pure functions.

#include <cstdint>
#include <span>
#include <vector>

#include "quant/scalar.hpp"

namespace moeserve::quant {

struct wint8_weight {
  std::int64_t rows = 0;  // N
  std::int64_t cols = 0;  // K
  scale_dtype scale_type = scale_dtype::fp32;
  std::vector<std::int8_t> q;  // [N][K]
  std::vector<float> scale;    // [N], each exactly representable in scale_type
};

// One row: writes q (row.size() values) and returns the stored scale. Throws
// std::invalid_argument on a size mismatch or a non-finite weight.
float quantize_wint8_row(std::span<const float> row, scale_dtype scale_type, std::span<std::int8_t> q);

// The whole matrix W[rows][cols] (row-major).
wint8_weight quantize_wint8(std::span<const float> w, std::int64_t rows, std::int64_t cols,
                            scale_dtype scale_type = scale_dtype::fp32);

// W_hat[n][k] = q[n][k] * scale[n], into `out` (rows * cols floats).
void dequantize_wint8(const wint8_weight& w, std::span<float> out);
std::vector<float> dequantize_wint8(const wint8_weight& w);

}  // namespace moeserve::quant
