#pragma once
// Conversions of IEEE half (binary16) and bfloat16 bit patterns to float, bit-exact.
//
// Every half is exactly representable as a float, so the conversion is exact, including
// subnormals (normalized), signed zeros, infinities and NaNs (payload kept, shifted into
// the float's mantissa like numpy and ggml do). bfloat16 is the upper half of a float.

#include <bit>
#include <cstdint>

namespace moeserve::model {

inline float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exponent == 0x1f) {  // inf or NaN
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal: rebias 15 -> 127
    bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // signed zero
    bits = sign;
  } else {  // subnormal: mantissa * 2^-24; shift the leading 1 into the implicit bit
    std::uint32_t shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | ((127 - 14 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

inline float bf16_to_fp32(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

}  // namespace moeserve::model
