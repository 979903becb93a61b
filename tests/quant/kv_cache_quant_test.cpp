// KV cache int8 / fp8: hand-computed head vectors, the per-token-per-head block layout,
// error bounds on random heads, and the format names.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "quant/kv_cache_quant.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

TEST(KvCacheQuant, HandComputedInt8AndFp8Heads) {
  std::vector<std::uint8_t> codes(4);
  EXPECT_EQ(quantize_kv_head(kv_cache_format::int8, std::vector<float>{127.0f, -63.5f, 0.0f, 0.5f}, codes), 1.0f);
  EXPECT_EQ(codes, (std::vector<std::uint8_t>{0x7F, 0xC0, 0x00, 0x01}));  // 127, -64, 0, 1
  EXPECT_EQ(quantize_kv_head(kv_cache_format::fp8, std::vector<float>{448.0f, -1.0f, 0.5f, 0.0f}, codes), 1.0f);
  EXPECT_EQ(codes, (std::vector<std::uint8_t>{0x7E, 0xB8, 0x30, 0x00}));
  std::vector<float> out(4);
  dequantize_kv_head(kv_cache_format::fp8, codes, 2.0f, out);
  EXPECT_EQ(out, (std::vector<float>{896.0f, -2.0f, 1.0f, 0.0f}));
}

TEST(KvCacheQuant, ZeroHeadHasZeroScale) {
  std::vector<std::uint8_t> codes(8, 0xAA);
  for (const auto f : {kv_cache_format::int8, kv_cache_format::fp8}) {
    EXPECT_EQ(quantize_kv_head(f, std::vector<float>(8, 0.0f), codes), 0.0f);
    EXPECT_EQ(codes, std::vector<std::uint8_t>(8, 0));
  }
}

TEST(KvCacheQuant, TokensLandAtTheirSlotAndHeadInTheBlock) {
  const kv_block_layout layout{4, 2, 8};  // block_size 4, 2 KV heads, head_dim 8
  std::vector<std::uint8_t> values(layout.value_count(), 0);
  std::vector<float> scales(layout.scale_count(), -1.0f);
  std::vector<float> token(16);
  for (std::size_t i = 0; i < 16; ++i) token[i] = i < 8 ? 127.0f : -2.0f * 127.0f;  // head 0 scale 1, head 1 scale 2
  store_kv_token(kv_cache_format::int8, layout, 2, token, values, scales);
  EXPECT_EQ(layout.value_offset(2, 1), (2u * 2 + 1) * 8);
  EXPECT_EQ(scales, (std::vector<float>{-1, -1, -1, -1, 1.0f, 2.0f, -1, -1}));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint8_t want = i >= 32 && i < 40 ? 0x7F : (i >= 40 && i < 48 ? 0x81 : 0x00);  // 127, -127
    EXPECT_EQ(values[i], want) << i;
  }
  EXPECT_THROW(store_kv_token(kv_cache_format::int8, layout, 4, token, values, scales), std::invalid_argument);
}

TEST(KvCacheQuant, RandomHeadsStayWithinTheirBounds) {
  const std::size_t head_dim = 128;
  const auto x = gaussian(head_dim * 64, 17, 4.0f);
  std::vector<std::uint8_t> codes(head_dim);
  std::vector<float> back(head_dim);
  for (std::size_t h = 0; h < 64; ++h) {
    const std::span<const float> v(x.data() + h * head_dim, head_dim);
    const float s8 = quantize_kv_head(kv_cache_format::int8, v, codes);
    dequantize_kv_head(kv_cache_format::int8, codes, s8, back);
    for (std::size_t d = 0; d < head_dim; ++d) ASSERT_LE(std::fabs(v[d] - back[d]), s8 / 2 * (1 + 1e-6f));
    const float s = quantize_kv_head(kv_cache_format::fp8, v, codes);
    dequantize_kv_head(kv_cache_format::fp8, codes, s, back);
    for (std::size_t d = 0; d < head_dim; ++d) {
      ASSERT_LE(std::fabs(v[d] - back[d]), (std::ldexp(std::fabs(v[d]), -4) + std::ldexp(s, -10)) * (1 + 1e-5f));
    }
  }
}

TEST(KvCacheQuant, FormatNames) {
  EXPECT_EQ(parse_kv_cache_format("auto"), kv_cache_format::auto_);
  EXPECT_EQ(parse_kv_cache_format("int8"), kv_cache_format::int8);
  EXPECT_EQ(parse_kv_cache_format("fp8"), kv_cache_format::fp8);
  EXPECT_THROW(parse_kv_cache_format("int4"), std::invalid_argument);
  std::vector<std::uint8_t> codes(2);
  EXPECT_THROW(quantize_kv_head(kv_cache_format::auto_, std::vector<float>(2), codes), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::quant::testing
