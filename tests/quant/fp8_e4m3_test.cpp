// float8 e4m3fn: every code decoded against an independent formula, every code round
// tripped, every midpoint between neighbours rounded to the even one, and hand-picked
// values (max, min subnormal, ties, saturation, NaN, signed zero).

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "quant/fp8_e4m3.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

// Independent decode in double: sign, 4-bit exponent (bias 7), 3-bit mantissa.
double reference_value(int code) {
  const int e = (code >> 3) & 15, m = code & 7;
  const double mag = e == 0 ? m * std::pow(2.0, -9) : (1.0 + m / 8.0) * std::pow(2.0, e - 7);
  return (code & 0x80) ? -mag : mag;
}

TEST(E4m3, DecodesAll256Codes) {
  for (int c = 0; c < 256; ++c) {
    const float v = e4m3_to_fp32(static_cast<std::uint8_t>(c));
    if ((c & 0x7F) == 0x7F) {
      EXPECT_TRUE(std::isnan(v)) << c;
      continue;
    }
    EXPECT_EQ(static_cast<double>(v), reference_value(c)) << c;
    EXPECT_EQ(std::signbit(v), (c & 0x80) != 0) << c;
  }
  EXPECT_EQ(e4m3_to_fp32(0x7E), 448.0f);
  EXPECT_EQ(e4m3_to_fp32(0x01), 0.001953125f);
  EXPECT_EQ(e4m3_to_fp32(0x08), 0.015625f);
}

TEST(E4m3, EveryCodeRoundTripsThroughFloat) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    const std::uint8_t want = (c & 0x7F) == 0x7F ? e4m3_nan : code;
    EXPECT_EQ(fp32_to_e4m3(e4m3_to_fp32(code)), want) << c;
  }
}

TEST(E4m3, MidpointsRoundToTheEvenNeighbour) {
  for (int c = 0; c < 0x7E; ++c) {
    for (const int sign : {0, 0x80}) {
      const float lo = e4m3_to_fp32(static_cast<std::uint8_t>(c | sign));
      const float hi = e4m3_to_fp32(static_cast<std::uint8_t>((c + 1) | sign));
      const float mid = (lo + hi) / 2;  // exact: the values have 4 significant bits
      const int even = (c % 2 == 0) ? c : c + 1;
      EXPECT_EQ(fp32_to_e4m3(mid), even | sign) << c;
      const float toward_hi = std::nextafter(mid, hi), toward_lo = std::nextafter(mid, lo);
      EXPECT_EQ(fp32_to_e4m3(toward_hi), (c + 1) | sign) << c;
      EXPECT_EQ(fp32_to_e4m3(toward_lo), c | sign) << c;
    }
  }
}

TEST(E4m3, HandPickedValues) {
  EXPECT_EQ(fp32_to_e4m3(448.0f), 0x7E);
  EXPECT_EQ(fp32_to_e4m3(-448.0f), 0xFE);
  EXPECT_EQ(fp32_to_e4m3(1.0f), 0x38);
  EXPECT_EQ(fp32_to_e4m3(1.0625f), 0x38);         // tie between 1.0 (m=0) and 1.125 (m=1): even
  EXPECT_EQ(fp32_to_e4m3(1.1875f), 0x3A);         // tie between 1.125 and 1.25: even (m=2)
  EXPECT_EQ(fp32_to_e4m3(240.0f), 0x77);          // 1.875 * 2^7
  EXPECT_EQ(fp32_to_e4m3(0.001953125f), 0x01);    // 2^-9, min subnormal
  EXPECT_EQ(fp32_to_e4m3(0.0009765625f), 0x00);   // 2^-10: tie between 0 and 2^-9 -> 0
  EXPECT_EQ(fp32_to_e4m3(0.0029296875f), 0x02);   // 3 * 2^-10: tie between 1 and 2 -> 2
  EXPECT_EQ(fp32_to_e4m3(-0.0009765625f), 0x80);  // underflow keeps the sign
  EXPECT_EQ(fp32_to_e4m3(0.015625f), 0x08);       // 2^-6, min normal
  EXPECT_EQ(fp32_to_e4m3(0.0146484375f), 0x08);   // 7.5 * 2^-9: tie between 0x07 and 0x08 -> 0x08
  EXPECT_EQ(fp32_to_e4m3(1e-30f), 0x00);
  EXPECT_EQ(fp32_to_e4m3(0.0f), 0x00);
  EXPECT_EQ(fp32_to_e4m3(-0.0f), 0x80);
}

TEST(E4m3, SaturatesBeyond448AndKeepsNaN) {
  EXPECT_EQ(fp32_to_e4m3(464.0f), 0x7E);  // tie between 448 (m=6) and 480 (m=7, the NaN code): even
  EXPECT_EQ(fp32_to_e4m3(470.0f), 0x7E);  // rounds to 480 = 0x7F's bits: must saturate, not be NaN
  EXPECT_EQ(fp32_to_e4m3(480.0f), 0x7E);
  EXPECT_EQ(fp32_to_e4m3(-479.0f), 0xFE);
  EXPECT_EQ(fp32_to_e4m3(500.0f), 0x7E);
  EXPECT_EQ(fp32_to_e4m3(-1e9f), 0xFE);
  EXPECT_EQ(fp32_to_e4m3(std::numeric_limits<float>::max()), 0x7E);
  EXPECT_EQ(fp32_to_e4m3(std::numeric_limits<float>::infinity()), 0x7E);
  EXPECT_EQ(fp32_to_e4m3(-std::numeric_limits<float>::infinity()), 0xFE);
  EXPECT_EQ(fp32_to_e4m3(std::numeric_limits<float>::quiet_NaN()), 0x7F);
  EXPECT_EQ(fp32_to_e4m3(-std::numeric_limits<float>::quiet_NaN()), 0x7F);
  EXPECT_EQ(fp32_to_e4m3(std::numeric_limits<float>::denorm_min()), 0x00);
}

TEST(E4m3, RelativeErrorIsAtMostOneSixteenthInTheNormalRange) {
  const auto x = gaussian(20000, 3, 50.0f);
  for (const float v : x) {
    if (std::fabs(v) < 0.015625f || std::fabs(v) > 448.0f) continue;
    const float back = e4m3_to_fp32(fp32_to_e4m3(v));
    ASSERT_LE(std::fabs(back - v), std::ldexp(std::fabs(v), -4)) << v;
  }
}

}  // namespace
}  // namespace moeserve::quant::testing
