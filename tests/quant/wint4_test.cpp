// WINT4: a 2x8 matrix whose packed bytes are derived by hand, group-wise scales, the
// nibble codec, the error bound scale/2 on random matrices, and the shape refusals.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "quant/wint4.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

TEST(Wint4, HandPackedTwoByEightMatrix) {
  // Row 0: amax 7 -> scale 1; q = (7, -7, 4, -4, 1, 0, -3, 0)   (3.5 -> 4, -2.5 -> -3, 0.4 -> 0)
  //   bytes (even k low nibble, odd k high): (7,-7) -> 0x97, (4,-4) -> 0xC4, (1,0) -> 0x01,
  //   (-3,0) -> 0x0D.
  // Row 1: amax 14 -> scale 2; q = (0, 0, 0, 0, 0, 0, 0, 7) -> 0x00 0x00 0x00 0x70.
  const std::vector<float> w = {7.0f, -7.0f, 3.5f, -3.5f, 1.0f, 0.0f, -2.5f, 0.4f,
                                0.0f, 0.0f,  0.0f, 0.0f,  0.0f, 0.0f, 0.0f,  14.0f};
  const wint4_weight q = quantize_wint4(w, 2, 8);
  EXPECT_EQ(q.packed, (std::vector<std::uint8_t>{0x97, 0xC4, 0x01, 0x0D, 0x00, 0x00, 0x00, 0x70}));
  EXPECT_EQ(q.scale, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(dequantize_wint4(q), (std::vector<float>{7, -7, 4, -4, 1, 0, -3, 0, 0, 0, 0, 0, 0, 0, 0, 14}));
}

TEST(Wint4, NibbleCodecCoversEveryByte) {
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<std::uint8_t>(b);
    const int lo = unpack_int4_low(byte), hi = unpack_int4_high(byte);
    ASSERT_GE(lo, -8);
    ASSERT_LE(hi, 7);
    ASSERT_EQ(pack_int4_pair(lo, hi), byte);
  }
  EXPECT_EQ(pack_int4_pair(-1, 3), 0x3F);
  EXPECT_EQ(pack_int4_pair(5, -7), 0x95);
}

TEST(Wint4, GroupScalesFollowEachGroupOfK) {
  // K = 128, G = 64: group 0 amax 7 (scale 1), group 1 amax 0.7 (scale 0.1).
  std::vector<float> w(128, 0.0f);
  w[3] = -7.0f;
  w[64] = 0.7f;
  w[65] = -0.35f;
  const wint4_weight q = quantize_wint4(w, 1, 128, 64);
  ASSERT_EQ(q.scale.size(), 2u);
  EXPECT_EQ(q.scale[0], 1.0f);
  EXPECT_EQ(q.scale[1], 0.7f / 7.0f);
  EXPECT_EQ(q.packed[1], pack_int4_pair(0, -7));
  EXPECT_EQ(q.packed[32], pack_int4_pair(7, round_clamp_symmetric(-0.35f / (0.7f / 7.0f), 7)));
}

TEST(Wint4, RandomMatricesStayWithinHalfAScale) {
  const std::int64_t rows = 16, cols = 256;
  const auto w = gaussian(static_cast<std::size_t>(rows * cols), 5, 0.05f);
  for (const int g : {wint4_per_channel, 64, 128}) {
    for (const scale_dtype t : {scale_dtype::fp32, scale_dtype::bf16}) {
      const wint4_weight q = quantize_wint4(w, rows, cols, g, t);
      const auto back = dequantize_wint4(q);
      const auto group_len = static_cast<std::size_t>(g == 0 ? cols : g);
      for (std::size_t i = 0; i < w.size(); ++i) {
        const float s = q.scale[i / group_len];  // rows are whole groups: flat index works
        ASSERT_LE(std::fabs(w[i] - back[i]), s / 2 * (1 + 1e-6f)) << "group " << g << " element " << i;
      }
      // Gaussian, 15 levels: per channel ~0.12, groups smaller.
      EXPECT_LT(relative_error(w, back), g == 0 ? 0.16 : 0.14) << "group " << g;
    }
  }
}

TEST(Wint4, AllZeroRowsGiveZeroScalesAndZeros) {
  const std::vector<float> w(2 * 64, 0.0f);
  const wint4_weight q = quantize_wint4(w, 2, 64, 64);
  EXPECT_EQ(q.scale, (std::vector<float>{0.0f, 0.0f}));
  for (const float v : dequantize_wint4(q)) EXPECT_EQ(v, 0.0f);
}

TEST(Wint4, RefusesOddKUnalignedGroupsAndUnknownGroupSizes) {
  EXPECT_THROW(quantize_wint4(std::vector<float>(7), 1, 7), std::invalid_argument);
  EXPECT_THROW(quantize_wint4(std::vector<float>(96), 1, 96, 64), std::invalid_argument);
  EXPECT_THROW(quantize_wint4(std::vector<float>(192), 1, 192, 128), std::invalid_argument);
  EXPECT_THROW(quantize_wint4(std::vector<float>(64), 1, 64, 32), std::invalid_argument);
  EXPECT_THROW(quantize_wint4(std::vector<float>(64), 2, 64), std::invalid_argument);
  try {
    quantize_wint4(std::vector<float>(7), 1, 7);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace moeserve::quant::testing
