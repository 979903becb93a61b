#include "quant/fp8_e4m3.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace moeserve::quant {
namespace {

// value >> shift, rounded to nearest with ties to even (1 <= shift <= 31).
std::uint32_t shift_round_even(std::uint32_t value, int shift) {
  const std::uint32_t kept = value >> shift;
  const std::uint32_t rest = value & ((1u << shift) - 1u);
  const std::uint32_t half = 1u << (shift - 1);
  return (rest > half || (rest == half && (kept & 1u) != 0)) ? kept + 1 : kept;
}

}  // namespace

std::uint8_t fp32_to_e4m3(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const std::uint8_t sign = static_cast<std::uint8_t>((bits >> 24) & 0x80u);
  const std::uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return e4m3_nan;
  if (magnitude == 0x7f800000u) return static_cast<std::uint8_t>(sign | 0x7E);  // +-inf saturates
  const int float_exponent = static_cast<int>(magnitude >> 23);  // biased by 127; 0 = float zero/subnormal
  if (float_exponent == 0) return sign;  // |x| < 2^-126: far below half the smallest e4m3 subnormal
  const std::uint32_t significand = (magnitude & 0x7fffffu) | 0x800000u;  // 1.m as a 24-bit integer
  const int exponent = float_exponent - 127;                              // x = significand * 2^(exponent-23)
  std::uint32_t code = 0;
  if (exponent < -6) {
    // Subnormal range: code = round(|x| / 2^-9) = round(significand * 2^(exponent - 14)).
    const int shift = 14 - exponent;              // >= 21
    if (shift > 24) return sign;                  // |x| < 2^-10: rounds to zero (2^-10 itself ties to even 0)
    code = shift_round_even(significand, shift);  // 0..8; 8 is the smallest normal, code 0x08
  } else {
    // Normal range: keep 3 mantissa bits of the 24-bit significand, ties to even.
    std::uint32_t mantissa = shift_round_even(significand, 20);  // 8..16
    int biased = exponent + 7;
    if (mantissa == 16) {
      mantissa = 8;
      ++biased;
    }
    if (biased > 15) return static_cast<std::uint8_t>(sign | 0x7E);
    code = (static_cast<std::uint32_t>(biased) << 3) | (mantissa & 7u);
    if (code > 0x7E) code = 0x7E;  // above 464 rounds to 480, 0x7F's bits (NaN): saturate
  }
  return static_cast<std::uint8_t>(sign | code);
}

float e4m3_to_fp32(std::uint8_t code) {
  const bool negative = (code & 0x80u) != 0;
  const int exponent = (code >> 3) & 0xF;
  const int mantissa = code & 7;
  float magnitude = 0.0f;
  if ((code & 0x7Fu) == 0x7Fu) {
    magnitude = std::numeric_limits<float>::quiet_NaN();
  } else if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -9);
  } else {
    magnitude = std::ldexp(static_cast<float>(8 + mantissa), exponent - 10);
  }
  return negative ? -magnitude : magnitude;
}

const std::array<float, 256>& e4m3_values() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = e4m3_to_fp32(static_cast<std::uint8_t>(c));
    return t;
  }();
  return table;
}

}  // namespace moeserve::quant
