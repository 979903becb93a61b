// Block-wise FP8: hand-computed codes of a small block, partial edge blocks, zero blocks,
// the derived error bound (2^-4 |w| + 2^-10 scale) on random weights and activations, and
// the reference block-scaled GEMM against a double-precision product.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "quant/block_fp8.hpp"
#include "quant/fp8_e4m3.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

// |w - w_hat| <= 2^-4 |w| + 2^-10 s, with slack for the division and the product.
void expect_within_fp8_bound(std::span<const float> w, std::span<const float> back, auto scale_of) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float s = scale_of(i);
    const double bound = (std::ldexp(std::fabs(w[i]), -4) + std::ldexp(s, -10)) * (1 + 1e-5);
    ASSERT_LE(std::fabs(static_cast<double>(w[i]) - back[i]), bound) << "element " << i;
    ASSERT_LE(std::fabs(static_cast<double>(w[i]) - back[i]), std::ldexp(448.0 * s, -4) * (1 + 1e-5));
  }
}

TEST(BlockFp8, HandComputedSmallBlock) {
  // amax 448 -> scale 1: codes are the plain e4m3 encodings.
  const std::vector<float> w = {448.0f, -1.0f, 0.5f, 224.0f, 1.0625f, 0.0f};
  const fp8_block_weight q = quantize_fp8_block_weight(w, 2, 3);
  EXPECT_EQ(q.q, (std::vector<std::uint8_t>{0x7E, 0xB8, 0x30, 0x76, 0x38, 0x00}));
  EXPECT_EQ(q.scale, (std::vector<float>{1.0f}));
  EXPECT_EQ(dequantize_fp8_block_weight(q), (std::vector<float>{448, -1, 0.5f, 224, 1, 0}));
}

TEST(BlockFp8, PartialEdgeBlocksAndZeroBlocks) {
  const std::int64_t n = 130, k = 200;  // scale grid 2 x 2, last row and column of blocks partial
  auto w = gaussian(static_cast<std::size_t>(n * k), 21);
  for (std::int64_t r = 0; r < 128; ++r) {
    for (std::int64_t c = 128; c < k; ++c) w[static_cast<std::size_t>(r * k + c)] = 0.0f;  // block [0][1] zero
  }
  w[static_cast<std::size_t>(129 * k + 199)] = 1000.0f;  // block [1][1]'s amax
  const fp8_block_weight q = quantize_fp8_block_weight(w, n, k);
  ASSERT_EQ(q.scale.size(), 4u);
  for (std::size_t bi = 0; bi < 2; ++bi) {
    for (std::size_t bj = 0; bj < 2; ++bj) {
      float amax = 0.0f;
      for (std::size_t r = bi * 128; r < std::min<std::size_t>(n, bi * 128 + 128); ++r) {
        for (std::size_t c = bj * 128; c < std::min<std::size_t>(k, bj * 128 + 128); ++c) {
          amax = std::max(amax, std::fabs(w[r * k + c]));
        }
      }
      EXPECT_EQ(q.scale[bi * 2 + bj], amax / 448.0f) << bi << "," << bj;
    }
  }
  EXPECT_EQ(q.scale[1], 0.0f);
  EXPECT_EQ(q.q[static_cast<std::size_t>(129 * k + 199)], 0x7E);
  const auto back = dequantize_fp8_block_weight(q);
  for (std::int64_t r = 0; r < 128; ++r) EXPECT_EQ(back[static_cast<std::size_t>(r * k + 150)], 0.0f);
  expect_within_fp8_bound(w, back, [&](std::size_t i) { return q.scale[(i / k / 128) * 2 + (i % k) / 128]; });
}

TEST(BlockFp8, ActivationsGetOneScalePerTokenPer128Channels) {
  const std::int64_t m = 5, k = 300;  // 3 groups, the last one 44 wide
  auto x = gaussian(static_cast<std::size_t>(m * k), 8, 3.0f);
  for (std::int64_t c = 0; c < k; ++c) x[static_cast<std::size_t>(2 * k + c)] = 0.0f;  // token 2 all zero
  const fp8_token_activation q = quantize_fp8_token_activation(x, m, k);
  ASSERT_EQ(q.scale.size(), 15u);
  for (std::size_t t = 0; t < 5; ++t) {
    for (std::size_t j = 0; j < 3; ++j) {
      float amax = 0.0f;
      for (std::size_t c = j * 128; c < std::min<std::size_t>(k, j * 128 + 128); ++c) {
        amax = std::max(amax, std::fabs(x[t * k + c]));
      }
      EXPECT_EQ(q.scale[t * 3 + j], amax / 448.0f);
    }
  }
  const auto back = dequantize_fp8_token_activation(q);
  expect_within_fp8_bound(x, back, [&](std::size_t i) { return q.scale[(i / k) * 3 + (i % k) / 128]; });
}

TEST(BlockFp8, ReferenceGemmMatchesTheDequantizedProduct) {
  const std::int64_t m = 7, n = 140, k = 260;
  const auto x = gaussian(static_cast<std::size_t>(m * k), 31, 2.0f);
  const auto w = gaussian(static_cast<std::size_t>(n * k), 32, 0.05f);
  const auto xq = quantize_fp8_token_activation(x, m, k);
  const auto wq = quantize_fp8_block_weight(w, n, k);
  const auto y = fp8_block_gemm_reference(xq, wq);
  const auto xd = dequantize_fp8_token_activation(xq);
  const auto wd = dequantize_fp8_block_weight(wq);
  std::vector<float> y_dequant(static_cast<std::size_t>(m * n)), y_exact(y_dequant.size());
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double a = 0.0, b = 0.0;
      for (std::int64_t c = 0; c < k; ++c) {
        a += static_cast<double>(xd[static_cast<std::size_t>(i * k + c)]) * wd[static_cast<std::size_t>(j * k + c)];
        b += static_cast<double>(x[static_cast<std::size_t>(i * k + c)]) * w[static_cast<std::size_t>(j * k + c)];
      }
      y_dequant[static_cast<std::size_t>(i * n + j)] = static_cast<float>(a);
      y_exact[static_cast<std::size_t>(i * n + j)] = static_cast<float>(b);
    }
  }
  // Same math, FP32 accumulation: only summation rounding differs.
  EXPECT_LT(relative_error(y_dequant, y), 1e-5);
  // Against the unquantized product: both operands carry ~2^-5 relative noise.
  const double e = relative_error(y_exact, y);
  EXPECT_LT(e, 0.06);
  RecordProperty("relative_error_vs_fp32", std::to_string(e));
}

TEST(BlockFp8, RefusesMismatchesAndNonFiniteWeights) {
  EXPECT_THROW(quantize_fp8_block_weight(std::vector<float>(5), 2, 3), std::invalid_argument);
  EXPECT_THROW(quantize_fp8_block_weight(std::vector<float>{1.0f, NAN}, 1, 2), std::invalid_argument);
  const auto xq = quantize_fp8_token_activation(std::vector<float>(8, 1.0f), 2, 4);
  const auto wq = quantize_fp8_block_weight(std::vector<float>(6, 1.0f), 2, 3);
  EXPECT_THROW(fp8_block_gemm_reference(xq, wq), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::quant::testing
