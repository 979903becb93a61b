// The CPU's quantized linear kernels (cpu/quant_linear.hpp) against quant/'s reference
// dequantization and a double-precision product, on random weights and inputs: every
// format, 1..9 rows of x (rows not multiples of the 4-row kernel), weights whose row count
// is not a multiple of the 8-row tile and, for block_wise_fp8, whose K is not a multiple
// of 128.
//
// Bounds (relative to sum_k |w_k x_k|, the scale of a row's rounding): weight-only formats
// compute with the exactly dequantized weights, so only FP32 summation error is left:
// 1e-5. block_wise_fp8 is checked against quant::fp8_block_gemm_reference (the same e4m3
// codes and scales; only the order of the FP32 sums in a 128-block differs): 1e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "cpu/cpu_matrix.hpp"
#include "cpu/linear.hpp"
#include "model/arch/quantized_loader.hpp"
#include "quant/block_fp8.hpp"
#include "quant/fp8_e4m3.hpp"
#include "quant/wint2.hpp"
#include "quant/wint4.hpp"
#include "quant/wint8.hpp"
#include "tests/cpu/random_floats.hpp"

namespace moeserve::cpu {
namespace {

using quant::weight_format;

using test_support::random_floats;

std::vector<float> reference_dequantized(const model::quantized_weight& q) {
  if (auto* w = std::get_if<quant::wint8_weight>(&q.data)) return quant::dequantize_wint8(*w);
  if (auto* w = std::get_if<quant::wint4_weight>(&q.data)) return quant::dequantize_wint4(*w);
  if (auto* w = std::get_if<quant::fp8_block_weight>(&q.data)) return quant::dequantize_fp8_block_weight(*w);
  const auto& w2 = std::get<quant::wint2_weight>(q.data);
  const auto kmajor = quant::dequantize_wint2(w2);  // [Kp][N]
  std::vector<float> out(static_cast<std::size_t>(q.rows * q.cols));
  for (std::int64_t n = 0; n < q.rows; ++n)
    for (std::int64_t k = 0; k < q.cols; ++k)
      out[static_cast<std::size_t>(n * q.cols + k)] = kmajor[static_cast<std::size_t>(k * q.rows + n)];
  return out;
}

struct format_case {
  weight_format format;
  int group_size;
  std::int64_t rows, cols;
};

class quant_linear_formats : public ::testing::TestWithParam<format_case> {};

TEST_P(quant_linear_formats, matches_quant_reference_for_every_batch_size) {
  const auto c = GetParam();
  std::mt19937 rng(11);
  const auto w = random_floats(static_cast<std::size_t>(c.rows * c.cols), rng, 0.05f);
  const auto q = model::quantize_weight(w, c.rows, c.cols, {c.format, c.group_size});
  const auto w_hat = reference_dequantized(q);
  std::optional<quant::fp8_block_weight> fp8;
  if (auto* f = std::get_if<quant::fp8_block_weight>(&q.data)) fp8 = *f;
  const auto m = cpu_matrix::from_quantized(q);
  ASSERT_NE(m->packed(), nullptr);
  thread_pool pool(2);
  const auto bias = random_floats(static_cast<std::size_t>(c.rows), rng);
  for (std::int64_t n = 1; n <= 9; ++n) {
    const auto x = random_floats(static_cast<std::size_t>(n * c.cols), rng);
    std::vector<float> out(static_cast<std::size_t>(n * c.rows), NAN);
    linear(pool, *m, x.data(), n, bias.data(), out.data());
    std::vector<float> fp8_ref;
    if (fp8) fp8_ref = quant::fp8_block_gemm_reference(quant::quantize_fp8_token_activation(x, n, c.cols), *fp8);
    double worst = 0;
    for (std::int64_t t = 0; t < n; ++t)
      for (std::int64_t r = 0; r < c.rows; ++r) {
        double ref = 0, mag = 0;
        for (std::int64_t k = 0; k < c.cols; ++k) {
          const double p = double(w_hat[std::size_t(r * c.cols + k)]) * x[std::size_t(t * c.cols + k)];
          ref += p;
          mag += std::fabs(p);
        }
        if (fp8) ref = fp8_ref[std::size_t(t * c.rows + r)];
        ref += bias[std::size_t(r)];
        worst = std::max(worst, std::fabs(out[std::size_t(t * c.rows + r)] - ref) / (mag + 1e-6));
      }
    EXPECT_LT(worst, 1e-5) << "n = " << n;
  }
}

TEST_P(quant_linear_formats, a_row_does_not_depend_on_its_batch) {
  const auto c = GetParam();
  std::mt19937 rng(12);
  const auto w = random_floats(static_cast<std::size_t>(c.rows * c.cols), rng, 0.05f);
  const auto m = cpu_matrix::from_quantized(model::quantize_weight(w, c.rows, c.cols, {c.format, c.group_size}));
  thread_pool pool(2);
  const std::int64_t n = 7;
  const auto x = random_floats(static_cast<std::size_t>(n * c.cols), rng);
  std::vector<float> all(static_cast<std::size_t>(n * c.rows)), one(static_cast<std::size_t>(c.rows));
  linear(pool, *m, x.data(), n, nullptr, all.data());
  for (std::int64_t t = 0; t < n; ++t) {
    linear(pool, *m, x.data() + t * c.cols, 1, nullptr, one.data());
    for (std::int64_t r = 0; r < c.rows; ++r) ASSERT_EQ(one[std::size_t(r)], all[std::size_t(t * c.rows + r)]) << t;
  }
}

TEST_P(quant_linear_formats, vector_decode_equals_portable_decode) {
  const auto c = GetParam();
  std::mt19937 rng(13);
  const auto w = random_floats(static_cast<std::size_t>(c.rows * c.cols), rng, 0.05f);
  const auto p = packed_weight::from(model::quantize_weight(w, c.rows, c.cols, {c.format, c.group_size}));
  std::vector<float> a(static_cast<std::size_t>(c.cols)), b(a.size());
  for (std::int64_t r = 0; r < c.rows; ++r) {
    decode_row(p, r, a.data());
    decode_row_reference(p, r, b.data());
    for (std::int64_t k = 0; k < c.cols; ++k) ASSERT_EQ(std::bit_cast<std::uint32_t>(a[std::size_t(k)]), std::bit_cast<std::uint32_t>(b[std::size_t(k)])) << r << "," << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    formats, quant_linear_formats,
    ::testing::Values(format_case{weight_format::wint8, 0, 37, 200}, format_case{weight_format::wint8, 0, 16, 64},
                      format_case{weight_format::wint4, 0, 37, 202}, format_case{weight_format::wint4, 64, 21, 256},
                      format_case{weight_format::wint4, 128, 9, 384},
                      format_case{weight_format::block_wise_fp8, 128, 133, 300},
                      format_case{weight_format::block_wise_fp8, 128, 19, 256},
                      format_case{weight_format::wint2, 64, 13, 256}, format_case{weight_format::wint2, 64, 11, 96}),
    [](const auto& param_info) {
      const auto& c = param_info.param;
      return std::string(quant::to_string(c.format)) + "_g" + std::to_string(c.group_size) + "_" +
             std::to_string(c.rows) + "x" + std::to_string(c.cols);
    });

TEST(quant_linear, wint2_decode_matches_quant_decode_of_arbitrary_codes) {
  // Random bytes, lines and scales (not only what the encoder produces).
  std::mt19937 rng(14);
  quant::wint2_weight w;
  w.k = 256;
  w.n = 5;
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> cs(64.0f, 256.0f), zp(0.0f, 32768.0f), ss(0.001f, 0.1f);
  for (int i = 0; i < 64 * 5; ++i) w.packed.push_back(static_cast<std::uint8_t>(byte(rng)));
  for (int i = 0; i < 2 * 5; ++i) w.local_scale.push_back(static_cast<std::uint8_t>(byte(rng)));
  for (int i = 0; i < 5; ++i) {
    w.code_scale.push_back(cs(rng));
    w.code_zp.push_back(zp(rng));
    w.super_scale.push_back(ss(rng));
  }
  const auto expected = quant::dequantize_wint2(w);
  model::quantized_weight q{5, 256, w};
  const auto p = packed_weight::from(q);
  std::vector<float> row(256);
  for (int n = 0; n < 5; ++n) {
    decode_row(p, n, row.data());
    for (int k = 0; k < 256; ++k) ASSERT_EQ(row[std::size_t(k)], expected[std::size_t(k * 5 + n)]) << n << "," << k;
  }
}

TEST(quant_linear, inconsistent_arrays_are_refused) {
  quant::wint8_weight w;
  w.rows = 4;
  w.cols = 8;
  w.q.resize(31);
  w.scale.resize(4);
  EXPECT_THROW(cpu_matrix::from_quantized(model::quantized_weight{4, 8, w}), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::cpu

namespace moeserve::cpu {
namespace {

TEST(quant_linear, fp8_decode_of_every_code_matches_quant) {
  // Every e4m3 code (NaNs, subnormals, both zeros) in one row of 256.
  quant::fp8_block_weight w;
  w.rows = 1;
  w.cols = 256;
  for (int c = 0; c < 256; ++c) w.q.push_back(static_cast<std::uint8_t>(c));
  w.scale = {1.0f, 1.0f};
  const auto p = packed_weight::from(model::quantized_weight{1, 256, w});
  std::vector<float> row(256);
  decode_row(p, 0, row.data());
  for (int c = 0; c < 256; ++c) {
    const float want = quant::e4m3_to_fp32(static_cast<std::uint8_t>(c));
    if (std::isnan(want))
      EXPECT_TRUE(std::isnan(row[std::size_t(c)])) << c;
    else
      EXPECT_EQ(std::bit_cast<std::uint32_t>(row[std::size_t(c)]), std::bit_cast<std::uint32_t>(want)) << c;
  }
}

}  // namespace
}  // namespace moeserve::cpu
