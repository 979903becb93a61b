#pragma once
// float8 e4m3fn (OCP FP8 "E4M3", PyTorch float8_e4m3fn, CUDA __nv_fp8_e4m3): exact
// encode and decode.
//
//   bit:  7 | 6 5 4 3  | 2 1 0
//         s | exponent | mantissa        bias 7, no infinities
//
//   exponent 1..15: (-1)^s * 2^(e-7) * (1 + m/8)     max finite 0x7E = 1.75 * 2^8 = 448
//   exponent 0:     (-1)^s * 2^-6 * (m/8)            min subnormal 0x01 = 2^-9
//   0x7F, 0xFF:     NaN (the only NaN codes; e=15, m=7)
//   0x00 / 0x80:    +0 / -0
//
// Encoding (what CUDA's __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3) does):
//   round to nearest, ties to even, on the exact float value (no double rounding);
//   results beyond 448 in magnitude, infinities included, saturate to +-448 (0x7E/0xFE);
//   NaN (any sign or payload) -> 0x7F; the sign of zero is kept (-0.0f -> 0x80), and so is
//   the sign of a value that underflows to zero.
// Note: PyTorch's plain .to(float8_e4m3fn) does not saturate (out of range -> NaN); our
// quantizers divide by amax/448 first, so in-range inputs give the same bits either way.
//
// Precision: for |x| in the normal range [2^-6, 448], |decode(encode(x)) - x| <= 2^-4 |x|
// (half an ulp, ulp = 2^(e-3)); below 2^-6 the absolute error is <= 2^-10.
//
// Threading: pure functions.

#include <array>
#include <cstdint>

namespace moeserve::quant {

inline constexpr float e4m3_max = 448.0f;
inline constexpr std::uint8_t e4m3_nan = 0x7F;

std::uint8_t fp32_to_e4m3(float x);
float e4m3_to_fp32(std::uint8_t code);

// e4m3_to_fp32 of all 256 codes, for decoders that look codes up (built once).
const std::array<float, 256>& e4m3_values();

}  // namespace moeserve::quant
