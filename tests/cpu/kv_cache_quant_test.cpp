// The int8 / fp8 KV cache (cpu/kv_cache.hpp): stored codes and scales are exactly
// quant::store_kv_token's block layout, and paged attention over a quantized cache stays
// within a stated bound of attention over the FP32 cache on the same inputs.
//
// Bound (N(0,1) q, k, v, head_dim 64, up to 40 positions, scale 1/8): max |out_q - out_f|
// <= 0.02 for int8 (per-element error <= amax/254) and <= 0.15 for fp8 (relative error
// <= 2^-4 per element); measured: see the test's output.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cpu/attention.hpp"
#include "cpu/kv_cache.hpp"
#include "quant/kv_cache_quant.hpp"
#include "tests/cpu/random_floats.hpp"

namespace moeserve::cpu {
namespace {

using quant::kv_cache_format;
using test_support::random_floats;

TEST(kv_cache_quant, stores_quant_block_layout) {
  std::mt19937 rng(1);
  const int heads = 2, dim = 16, bs = 4;
  for (const auto format : {kv_cache_format::int8, kv_cache_format::fp8}) {
    kv_cache cache({1, heads, dim, bs, 3, format});
    const auto k = random_floats(heads * dim, rng), v = random_floats(heads * dim, rng);
    cache.store(0, 6, k.data(), v.data());  // block 1, slot 2
    quant::kv_block_layout layout{std::size_t(bs), std::size_t(heads), std::size_t(dim)};
    std::vector<std::uint8_t> codes(layout.value_count());
    std::vector<float> scales(layout.scale_count());
    quant::store_kv_token(format, layout, 2, k, codes, scales);
    std::vector<float> got(static_cast<std::size_t>(dim)), want(static_cast<std::size_t>(dim));
    for (int h = 0; h < heads; ++h) {
      cache.load_keys(0, 6, 1, h, got.data());
      quant::dequantize_kv_head(format,
                                std::span(codes).subspan(layout.value_offset(2, std::size_t(h)), std::size_t(dim)),
                                scales[layout.scale_offset(2, std::size_t(h))], want);
      EXPECT_EQ(got, want);
    }
  }
}

double max_attention_difference(kv_cache_format format, std::mt19937::result_type seed) {
  std::mt19937 rng(seed);
  thread_pool pool(2);
  const int heads = 4, kv_heads = 2, dim = 64, bs = 8, blocks = 8, len = 40;
  kv_cache plain({1, kv_heads, dim, bs, blocks}), quantized({1, kv_heads, dim, bs, blocks, format});
  model::step_batch b;
  model::sequence_slice s{0, len, {3, 1, 7, 0, 5}};
  for (int p = 0; p < len; ++p) {
    b.tokens.push_back(0);
    b.positions.push_back(p);
    b.slots.push_back(std::int64_t{s.block_table[std::size_t(p / bs)]} * bs + p % bs);
  }
  b.sequences.push_back(s);
  const auto q = random_floats(std::size_t(len * heads * dim), rng),
             k = random_floats(std::size_t(len * kv_heads * dim), rng),
             v = random_floats(std::size_t(len * kv_heads * dim), rng);
  std::vector<float> a(q.size()), c(q.size());
  const model::attention_params p{0, heads, kv_heads, dim, 0.125f};
  paged_attention(pool, plain, b, p, q.data(), k.data(), v.data(), a.data());
  paged_attention(pool, quantized, b, p, q.data(), k.data(), v.data(), c.data());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - c[i])));
  return worst;
}

TEST(kv_cache_quant, int8_attention_is_close_to_fp32) {
  const double d = max_attention_difference(kv_cache_format::int8, 2);
  std::cout << "int8 KV cache: max |attention - fp32| = " << d << "\n";
  EXPECT_LT(d, 0.02);
}

TEST(kv_cache_quant, fp8_attention_is_close_to_fp32) {
  const double d = max_attention_difference(kv_cache_format::fp8, 3);
  std::cout << "fp8 KV cache: max |attention - fp32| = " << d << "\n";
  EXPECT_LT(d, 0.15);
}

TEST(kv_cache_quant, quantized_cache_is_smaller) {
  kv_cache plain({2, 2, 64, 8, 4}), q({2, 2, 64, 8, 4, kv_cache_format::int8});
  EXPECT_EQ(plain.bytes(), std::size_t{2 * 2 * 2 * 64 * 32 * 4});
  EXPECT_EQ(q.bytes(), std::size_t{2 * 2 * 2 * 32 * (64 + 4)});
}

}  // namespace
}  // namespace moeserve::cpu
