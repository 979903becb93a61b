// WINT2 (CCQ): hand-built bytes decoded to known weights (negative codes, floor, both
// local-scale nibbles), the decode against a second, literal transcription of
// REFERENCE.md's formula, and our encoder's error on Gaussian weights versus a naive line.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "quant/scalar.hpp"
#include "quant/wint2.hpp"
#include "quant/wint2_encoder.hpp"
#include "tests/quant/test_support.hpp"

namespace moeserve::quant::testing {
namespace {

// REFERENCE.md, written out again independently of wint2.hpp.
float literal_decode(const wint2_weight& w, std::int64_t k, std::int64_t n) {
  const std::size_t N = static_cast<std::size_t>(w.n), kk = static_cast<std::size_t>(k),
                    nn = static_cast<std::size_t>(n);
  const float q = static_cast<float>(w.packed[(kk / 4) * N + nn]);
  const float t = q * w.code_scale[nn];
  const float u = t + w.code_zp[nn];
  const int code = static_cast<int>(std::floor(u + 0.5f));
  const int shifts[4] = {9, 6, 3, 0};
  const int v = ((code >> shifts[k % 4]) & 0x3F) - 32;
  const int ls = (w.local_scale[(kk / 128) * N + nn] >> ((((k / 64) + 1) & 1) * 4)) & 0xF;
  return static_cast<float>(v * ls) * w.super_scale[nn];
}

TEST(Wint2, HandBuiltBytesDecodeToKnownWeights) {
  wint2_weight w;
  w.k = 128;
  w.n = 2;
  w.packed.assign(32 * 2, 0);
  // Column 0: line code = floor(q*128 + 0.3 + 0.5); q = 181 -> 23168 = 0b101'101'010'000'000
  //   -> windows (45, 42, 16, 0) - 32 = (13, 10, -16, -32); q = 0 -> code 0 -> all -32.
  //   local_scale 0x3A: rows 0-63 (even group, high nibble) ls 3, rows 64-127 ls 10.
  // Column 1: line code = floor(q * -1.5 + 0.5): q = 1 -> -1 (all ones) -> windows 63 - 32 = 31;
  //   q = 2 -> floor(-2.5) = -3 = ...1111101 -> (31, 31, 31, 29); q = 0 -> 0 -> -32.
  //   local_scale 0x21: ls 2 then 1.
  w.code_scale = {128.0f, -1.5f};
  w.code_zp = {0.3f, 0.0f};
  w.super_scale = {0.5f, 0.25f};
  w.local_scale = {0x3A, 0x21};
  w.packed[0 * 2 + 0] = 181;   // rows 0-3, column 0
  w.packed[16 * 2 + 0] = 181;  // rows 64-67, column 0
  w.packed[0 * 2 + 1] = 1;     // rows 0-3, column 1
  w.packed[1 * 2 + 1] = 2;     // rows 4-7, column 1
  std::vector<float> want(128 * 2);
  for (std::size_t k = 0; k < 128; ++k) {
    want[k * 2 + 0] = k < 64 ? -48.0f : -160.0f;  // -32 * 3 * 0.5, -32 * 10 * 0.5
    want[k * 2 + 1] = k < 64 ? -16.0f : -8.0f;    // -32 * 2 * 0.25, -32 * 1 * 0.25
  }
  const float col0_lo[4] = {19.5f, 15.0f, -24.0f, -48.0f}, col0_hi[4] = {65.0f, 50.0f, -80.0f, -160.0f};
  const float col1_a[4] = {15.5f, 15.5f, 15.5f, 15.5f}, col1_b[4] = {15.5f, 15.5f, 15.5f, 14.5f};
  for (std::size_t r = 0; r < 4; ++r) {
    want[r * 2 + 0] = col0_lo[r];
    want[(64 + r) * 2 + 0] = col0_hi[r];
    want[r * 2 + 1] = col1_a[r];
    want[(4 + r) * 2 + 1] = col1_b[r];
  }
  EXPECT_EQ(dequantize_wint2(w), want);
  EXPECT_EQ(wint2_code(181, 128.0f, 0.3f), 23168);
  EXPECT_EQ(wint2_code(2, -1.5f, 0.0f), -3);
  EXPECT_EQ(wint2_code(1, 0.5f, 0.0f), 1);  // floor(0.5 + 0.5): the +0.5 rounds up at the tie
}

TEST(Wint2, EncoderOutputDecodesExactlyAsTheLiteralFormula) {
  const std::int64_t k = 128, n = 8;
  const auto w = gaussian(static_cast<std::size_t>(k * n), 77, 0.03f);
  wint2_encode_options fast;
  fast.code_scale_steps = 8;
  fast.code_zp_steps = 2;
  const wint2_weight q = quantize_wint2(w, k, n, fast);
  const auto decoded = dequantize_wint2(q);
  for (std::int64_t r = 0; r < k; ++r) {
    for (std::int64_t c = 0; c < n; ++c) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(decoded[static_cast<std::size_t>(r * n + c)]),
                std::bit_cast<std::uint32_t>(literal_decode(q, r, c)))
          << r << "," << c;
    }
  }
  for (const float s : q.super_scale) EXPECT_EQ(s, stored_scale(s, scale_dtype::bf16));  // exact on GPUs too
}

// A row-major [N][K] weight: transposed, K padded with zero rows to 128, and encoded column
// by column -- the same bytes whatever the number of threads the columns are split over.
TEST(Wint2, RowMajorEncoderPadsKAndDoesNotDependOnTheSplit) {
  const std::int64_t rows = 7, cols = 200, kp = wint2_padded_k(cols);
  ASSERT_EQ(kp, 256);
  const auto w = gaussian(static_cast<std::size_t>(rows * cols), 91, 0.03f);
  std::vector<float> kmajor(static_cast<std::size_t>(kp * rows), 0.0f);
  for (std::int64_t n = 0; n < rows; ++n)
    for (std::int64_t k = 0; k < cols; ++k)
      kmajor[static_cast<std::size_t>(k * rows + n)] = w[static_cast<std::size_t>(n * cols + k)];
  const wint2_weight want = quantize_wint2(kmajor, kp, rows);
  for (const int threads : {1, 3, 16}) {
    const wint2_weight got = quantize_wint2_rows(w, rows, cols, threads);
    EXPECT_EQ(got.k, kp);
    EXPECT_EQ(got.n, rows);
    EXPECT_EQ(got.packed, want.packed) << threads;
    EXPECT_EQ(got.local_scale, want.local_scale) << threads;
    EXPECT_EQ(got.code_scale, want.code_scale) << threads;
    EXPECT_EQ(got.code_zp, want.code_zp) << threads;
    EXPECT_EQ(got.super_scale, want.super_scale) << threads;
  }
  EXPECT_THROW(quantize_wint2_rows(w, rows, cols + 1, 2), std::invalid_argument);
}

TEST(Wint2, EncoderBeatsANaiveLineOnGaussianWeights) {
  const std::int64_t k = 256, n = 16;
  const auto w = gaussian(static_cast<std::size_t>(k * n), 7, 0.02f);
  wint2_encode_report searched, naive;
  const wint2_weight q = quantize_wint2(w, k, n, {}, &searched);
  wint2_encode_options fixed;
  fixed.search = false;  // code_scale 128.5, code_zp 16384 for every column
  quantize_wint2(w, k, n, fixed, &naive);
  const double e = relative_error(w, dequantize_wint2(q));
  EXPECT_NEAR(searched.relative_error(), e, 1e-9);
  EXPECT_LT(e, 0.33);
  EXPECT_GT(naive.relative_error(), e + 0.05);
  RecordProperty("relative_error", std::to_string(e));
  RecordProperty("relative_error_naive_line", std::to_string(naive.relative_error()));
  std::printf("wint2 relative error: searched %.4f, naive line %.4f\n", e, naive.relative_error());
}

TEST(Wint2, ZeroColumnsAndZeroGroupsDecodeToExactZeros) {
  const std::int64_t k = 128, n = 3;
  auto w = gaussian(static_cast<std::size_t>(k * n), 9);
  for (std::int64_t r = 0; r < k; ++r) w[static_cast<std::size_t>(r * n + 1)] = 0.0f;   // column 1
  for (std::int64_t r = 64; r < k; ++r) w[static_cast<std::size_t>(r * n + 2)] = 0.0f;  // column 2, group 1
  wint2_encode_options fast;
  fast.code_scale_steps = 4;
  fast.code_zp_steps = 2;
  const auto back = dequantize_wint2(quantize_wint2(w, k, n, fast));
  for (std::int64_t r = 0; r < k; ++r) EXPECT_EQ(back[static_cast<std::size_t>(r * n + 1)], 0.0f);
  for (std::int64_t r = 64; r < k; ++r) EXPECT_EQ(back[static_cast<std::size_t>(r * n + 2)], 0.0f);
}

TEST(Wint2, RefusesKNotAMultipleOf128AndBadArrays) {
  EXPECT_THROW(quantize_wint2(std::vector<float>(192 * 2), 192, 2), std::invalid_argument);
  EXPECT_THROW(quantize_wint2(std::vector<float>(128 * 2), 128, 3), std::invalid_argument);
  EXPECT_EQ(dequantize_wint2(quantize_wint2({}, 0, 4)).size(), 0u);  // empty shapes are fine
  EXPECT_EQ(quantize_wint2({}, 128, 0).packed.size(), 0u);
  wint2_weight w;
  w.k = 128;
  w.n = 1;
  w.packed.assign(32, 0);
  w.local_scale.assign(1, 0);
  w.code_scale = {1e30f};
  w.code_zp = {0.0f};
  w.super_scale = {1.0f};
  EXPECT_THROW(dequantize_wint2(w), std::invalid_argument);  // the code would overflow int32
  w.code_scale = {1.0f};
  w.packed.resize(31);
  EXPECT_THROW(dequantize_wint2(w), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::quant::testing
