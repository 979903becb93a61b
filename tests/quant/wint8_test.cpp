// WINT8: hand-derived codes (round half away from zero), BF16 scales, the per-element
// error bound scale/2 on random rows, and the refusals.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "quant/wint8.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

TEST(Wint8, HandComputedRowsRoundHalfAwayFromZero) {
  // Row 0: amax 127 -> scale 1, so q = round_half_away(w). Row 1: all zero -> scale 0.
  const std::vector<float> w = {127.0f, -63.5f, 0.5f, -0.5f, 1.5f, 2.5f, 0.0f, -127.0f,
                                0.0f,   0.0f,   0.0f, 0.0f,  0.0f, 0.0f, 0.0f, 0.0f};
  const wint8_weight q = quantize_wint8(w, 2, 8);
  EXPECT_EQ(q.q, (std::vector<std::int8_t>{127, -64, 1, -1, 2, 3, 0, -127, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(q.scale, (std::vector<float>{1.0f, 0.0f}));
  const std::vector<float> back = dequantize_wint8(q);
  EXPECT_EQ(back, (std::vector<float>{127, -64, 1, -1, 2, 3, 0, -127, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(Wint8, ScaleIsAmaxOver127) {
  const std::vector<float> w = {0.5f, -2.54f, 1.0f, 0.0f};
  const wint8_weight q = quantize_wint8(w, 1, 4);
  EXPECT_EQ(q.scale[0], 2.54f / 127.0f);
  EXPECT_EQ(q.q[1], -127);
}

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_bf16_bits(1.0f), 0x3F80);
  EXPECT_EQ(fp32_to_bf16_bits(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie, even below
  EXPECT_EQ(fp32_to_bf16_bits(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie, even above
  EXPECT_EQ(fp32_to_bf16_bits(std::bit_cast<float>(0x3F808001u)), 0x3F81);  // above the tie
  EXPECT_EQ(fp32_to_bf16_bits(std::bit_cast<float>(0x3F807FFFu)), 0x3F80);
  EXPECT_TRUE(std::isnan(bf16_bits_to_fp32(fp32_to_bf16_bits(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Wint8, Bf16ScalesAreStoredValuesAndQuantizedAgainstThem) {
  // amax 1: 1/127 = 0x3C010204 rounds to bf16 0x3C01 (0.00787353515625).
  const std::vector<float> w = {1.0f, -0.5f, 0.25f, 0.0f};
  const wint8_weight q = quantize_wint8(w, 1, 4, scale_dtype::bf16);
  EXPECT_EQ(std::bit_cast<std::uint32_t>(q.scale[0]), 0x3C010000u);
  EXPECT_EQ(q.q[0], 127);  // 1 / 0.0078735 = 127.007 -> 127
  EXPECT_EQ(q.q[1], -64);  // -63.50 -> -64 (away from zero)
  EXPECT_EQ(q.q[2], 32);   // 31.75 -> 32
}

TEST(Wint8, RandomRowsStayWithinHalfAScale) {
  const std::int64_t rows = 24, cols = 200;
  const auto w = gaussian(static_cast<std::size_t>(rows * cols), 11, 0.02f);
  for (const scale_dtype t : {scale_dtype::fp32, scale_dtype::bf16}) {
    const wint8_weight q = quantize_wint8(w, rows, cols, t);
    const auto back = dequantize_wint8(q);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const float s = q.scale[i / static_cast<std::size_t>(cols)];
      ASSERT_LE(std::fabs(w[i] - back[i]), s / 2 * (1 + 1e-6f)) << to_string(t) << " element " << i;
    }
    for (const float s : q.scale) EXPECT_EQ(s, stored_scale(s, t));
    EXPECT_LT(relative_error(w, back), 0.01);
  }
}

TEST(Wint8, RefusesMismatchedShapesAndNonFiniteWeights) {
  const std::vector<float> w(10, 1.0f);
  EXPECT_THROW(quantize_wint8(w, 3, 4), std::invalid_argument);
  std::vector<float> bad = {1.0f, std::numeric_limits<float>::infinity()};
  EXPECT_THROW(quantize_wint8(bad, 1, 2), std::invalid_argument);
  bad[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(quantize_wint8(bad, 1, 2), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::quant::testing
