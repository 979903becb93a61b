#pragma once
// Scalar helpers shared by every format: how a scale is stored (FP32 or BF16), the
// float <-> bfloat16 conversions, and the integer rounding rule of the quantizers.
//
// Rounding rules, fixed here so that every implementation (CPU reference, CUDA kernels,
// the offline quantizer) produces the same bits:
//   - integer quantization: q = round half away from zero (std::round), then clamped;
//   - float -> bf16: round to nearest, ties to even; NaN stays a (quiet) NaN;
//   - a quantizer first rounds its scale to the stored dtype and then divides by the
//     *stored* value, so that dequantization (q * stored scale) is what it optimized.
//
// Threading: pure functions.

#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>

namespace moeserve::quant {

// The dtype a scale tensor is stored in (checkpoint and device). In memory the reference
// keeps scales as float whose values are exactly representable in this dtype.
enum class scale_dtype { fp32, bf16 };

std::string_view to_string(scale_dtype t);

// float -> bfloat16 bits, round to nearest even (the conversion PyTorch and CUDA use).
inline std::uint16_t fp32_to_bf16_bits(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  const std::uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>((bits + rounding) >> 16);
}

inline float bf16_bits_to_fp32(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

// The value a scale has once stored as `t` (identity for fp32).
inline float stored_scale(float s, scale_dtype t) {
  return t == scale_dtype::bf16 ? bf16_bits_to_fp32(fp32_to_bf16_bits(s)) : s;
}

// Round half away from zero, then clamp to [-limit, limit]. x must not be NaN.
inline int round_clamp_symmetric(float x, int limit) {
  const float r = std::round(x);
  if (r > static_cast<float>(limit)) return limit;
  if (r < -static_cast<float>(limit)) return -limit;
  return static_cast<int>(r);
}

// max |x| over the span, ignoring NaNs (0 for an empty span).
inline float abs_max(std::span<const float> x) {
  float m = 0.0f;
  for (const float v : x) {
    const float a = std::fabs(v);
    if (a > m) m = a;
  }
  return m;
}

// Throws std::invalid_argument naming `what` when a value is NaN or infinite: the weight
// quantizers refuse non-finite weights (a scale computed from them would be meaningless).
void require_finite(std::span<const float> x, std::string_view what);

// Throws std::invalid_argument unless data.size() == rows * cols (and both are >= 0).
void require_matrix(std::size_t data_size, std::int64_t rows, std::int64_t cols, std::string_view what);

}  // namespace moeserve::quant
