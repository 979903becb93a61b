// Dequantization: against gguf-py (the oracle) on tests/fixtures/gguf/dequant.gguf, which
// tools/make_gguf_fixtures.py wrote; plus hand-made blocks and the half conversions.
//
// Tolerance: none. Every value must be bit-identical to gguf-py's float32 result (NaNs
// included, compared as bit patterns): both compute the same float operations in the
// same order, without fused multiply-add.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "model/io/dequantize.hpp"
#include "model/io/ggml_blocks.hpp"
#include "model/io/gguf_file.hpp"
#include "model/io/half.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

std::uint32_t bits(float f) { return std::bit_cast<std::uint32_t>(f); }

// Compares bit patterns; reports the first few mismatches.
void expect_bit_identical(std::span<const float> got, std::span<const float> want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int reported = 0;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (bits(got[i]) != bits(want[i])) {
      ++mismatches;
      if (reported++ < 5) ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", gguf-py " << want[i];
    }
  }
  EXPECT_EQ(mismatches, 0u) << what;
}

template <class Block>
std::span<const std::byte> as_bytes_of(const Block& b) {
  return std::as_bytes(std::span<const Block, 1>(&b, 1));
}

TEST(Half, ConvertsEveryBitPatternExactly) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float got = fp16_to_fp32(static_cast<std::uint16_t>(h));
    const int exponent = static_cast<int>((h >> 10) & 0x1f);
    const int mantissa = static_cast<int>(h & 0x3ff);
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exponent == 31) {
      if (mantissa == 0) {
        EXPECT_EQ(got, static_cast<float>(sign * INFINITY)) << h;
      } else {
        EXPECT_TRUE(std::isnan(got)) << h;
        EXPECT_EQ(bits(got), ((h & 0x8000u) << 16) | 0x7f800000u | (static_cast<std::uint32_t>(mantissa) << 13)) << h;
      }
      continue;
    }
    const double want =
        exponent == 0 ? sign * std::ldexp(mantissa, -24) : sign * std::ldexp(1024 + mantissa, exponent - 25);
    EXPECT_EQ(bits(got), bits(static_cast<float>(want))) << "half bits " << h;
  }
}

TEST(Half, Bf16IsTheUpperHalfOfAFloat) {
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xc0a0), -5.0f);
  EXPECT_EQ(bits(bf16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(bits(bf16_to_fp32(0x7fc1)), 0x7fc10000u);
}

class DequantizeOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { file_ = new gguf_file(fixtures_dir() / "gguf" / "dequant.gguf"); }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
  }
  static const gguf_file& f() { return *file_; }

 private:
  static inline gguf_file* file_ = nullptr;
};

TEST_F(DequantizeOracle, FixtureHoldsEverySupportedType) {
  EXPECT_THAT(f().get_string_array("fixture.types"),
              ::testing::ElementsAre("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"));
  const std::vector<std::pair<std::string, dtype>> want = {
      {"F32", dtype::f32},   {"F16", dtype::f16},   {"BF16", dtype::bf16}, {"Q8_0", dtype::q8_0},
      {"Q4_0", dtype::q4_0}, {"Q4_1", dtype::q4_1}, {"Q4_K", dtype::q4_k}, {"Q6_K", dtype::q6_k}};
  for (const auto& [tensor, type] : want) {
    EXPECT_EQ(f().tensor(tensor).type, type) << tensor;
    EXPECT_TRUE(can_dequantize(type)) << tensor;
  }
}

TEST_F(DequantizeOracle, WholeTensorsMatchGgufPyBitForBit) {
  for (std::string_view type : f().get_string_array("fixture.types")) {
    const tensor_view& t = f().tensor(type);
    const tensor_view& expected = f().tensor(std::string(type) + ".expected");
    ASSERT_EQ(expected.type, dtype::f32);
    ASSERT_EQ(t.rank, 2) << type;
    EXPECT_EQ(t.shape[0], 3);
    EXPECT_EQ(t.shape[1], 512);
    expect_bit_identical(dequantize(t), dequantize(expected), std::string(type));
  }
}

TEST_F(DequantizeOracle, RowsMatchTheWholeTensor) {
  for (std::string_view type : f().get_string_array("fixture.types")) {
    const tensor_view& t = f().tensor(type);
    const auto all = dequantize(f().tensor(std::string(type) + ".expected"));
    const auto rows = dequantize_rows(t, 1, 2);
    expect_bit_identical(rows, std::span(all).subspan(512, 1024), std::string(type) + " rows 1..2");
    EXPECT_TRUE(dequantize_rows(t, 3, 0).empty());
  }
}

TEST_F(DequantizeOracle, RawBlockRowsMatch) {
  for (std::string_view type : f().get_string_array("fixture.types")) {
    const tensor_view& t = f().tensor(type);
    const auto all = dequantize(f().tensor(std::string(type) + ".expected"));
    const auto block = traits(t.type).block_elements;
    const auto block_bytes = static_cast<std::size_t>(traits(t.type).block_bytes);
    // the second block of the last row, on its own
    const auto first = static_cast<std::size_t>((2 * 512 + block) / block);
    std::vector<float> out(static_cast<std::size_t>(block));
    dequantize_row(t.type, t.data.subspan(first * block_bytes, block_bytes), out);
    expect_bit_identical(out, std::span(all).subspan(first * static_cast<std::size_t>(block), out.size()),
                         std::string(type) + " one block");
  }
}

TEST_F(DequantizeOracle, IntoRequiresTheExactElementCount) {
  const tensor_view& t = f().tensor("Q4_0");
  std::vector<float> small(100);
  EXPECT_THROW(dequantize_into(t, small), std::invalid_argument);
  std::vector<float> exact(3 * 512);
  dequantize_into(t, exact);
  expect_bit_identical(exact, dequantize(f().tensor("Q4_0.expected")), "Q4_0 into");
}

TEST(Dequantize, Q4_0BlockByHand) {
  ggml::block_q4_0 b{};
  b.d = 0x4000;  // 2.0
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  std::vector<float> out(32);
  dequantize_row(dtype::q4_0, as_bytes_of(b), out);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 2.0f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(out[j + 16], 2.0f * static_cast<float>(7 - j)) << j;
  }
}

TEST(Dequantize, Q4_1AndQ8_0BlocksByHand) {
  ggml::block_q4_1 a{};
  a.d = 0x3800;  // 0.5
  a.m = 0xbc00;  // -1.0
  for (int j = 0; j < 16; ++j) a.qs[j] = static_cast<std::uint8_t>(j | (j << 4));
  std::vector<float> out(32);
  dequantize_row(dtype::q4_1, as_bytes_of(a), out);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.5f * static_cast<float>(j) - 1.0f);
    EXPECT_EQ(out[j + 16], out[j]);
  }
  ggml::block_q8_0 q{};
  q.d = 0xc400;  // -4.0
  for (int j = 0; j < 32; ++j) q.qs[j] = static_cast<std::int8_t>(j * 8 - 128);
  dequantize_row(dtype::q8_0, as_bytes_of(q), out);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], -4.0f * static_cast<float>(j * 8 - 128));
}

// Packs 6-bit scales and mins of the 8 sub-blocks as ggml_blocks.hpp describes.
std::array<std::uint8_t, 12> pack_q4_k_scales(const int (&sc)[8], const int (&mn)[8]) {
  std::array<std::uint8_t, 12> s{};
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  return s;
}

TEST(Dequantize, Q4_KUnpacksAllEightScalesAndMins) {
  const int sc[8] = {1, 63, 17, 32, 48, 5, 63, 33};
  const int mn[8] = {0, 2, 63, 40, 16, 61, 7, 50};
  ggml::block_q4_k b{};
  b.d = 0x3c00;     // 1.0
  b.dmin = 0x3400;  // 0.25
  b.scales = pack_q4_k_scales(sc, mn);
  for (int i = 0; i < 128; ++i) b.qs[i] = static_cast<std::uint8_t>((i % 16) | ((15 - i % 16) << 4));
  std::vector<float> out(256);
  dequantize_row(dtype::q4_k, as_bytes_of(b), out);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const int l = e % 32;
    const int byte = (sub / 2) * 32 + l;
    const int q = sub % 2 == 0 ? byte % 16 : 15 - byte % 16;
    const float want = static_cast<float>(sc[sub]) * static_cast<float>(q) - 0.25f * static_cast<float>(mn[sub]);
    EXPECT_EQ(out[e], want) << "element " << e;
  }
}

TEST(Dequantize, Q6_KBlockByHand) {
  ggml::block_q6_k b{};
  b.d = 0x3800;  // 0.5
  for (int i = 0; i < 16; ++i) b.scales[i] = static_cast<std::int8_t>(i * 9 - 70);
  auto q_of = [](int e) { return (e * 37 + 11) % 64; };
  for (int e = 0; e < 256; ++e) {  // place each 6-bit value per the layout
    const int h = e / 128;
    const int k = (e % 128) / 32;
    const int l = e % 32;
    const int q = q_of(e);
    auto& low = b.ql[64 * h + l + 32 * (k & 1)];
    low = static_cast<std::uint8_t>(low | ((q & 15) << (4 * (k >> 1))));
    auto& high = b.qh[32 * h + l];
    high = static_cast<std::uint8_t>(high | ((q >> 4) << (2 * k)));
  }
  std::vector<float> out(256);
  dequantize_row(dtype::q6_k, as_bytes_of(b), out);
  for (int e = 0; e < 256; ++e) {
    const float want = 0.5f * static_cast<float>(b.scales[e / 16]) * static_cast<float>(q_of(e) - 32);
    EXPECT_EQ(out[e], want) << "element " << e;
  }
}

TEST(Dequantize, RejectsMismatchedSizesAndUnsupportedTypes) {
  std::vector<std::byte> bytes(34);
  std::vector<float> out(32);
  EXPECT_NO_THROW(dequantize_row(dtype::q8_0, bytes, out));
  std::vector<float> odd(31);
  EXPECT_THROW(dequantize_row(dtype::q8_0, bytes, odd), std::invalid_argument);
  EXPECT_THROW(dequantize_row(dtype::q8_0, std::span(bytes).first(33), out), std::invalid_argument);
  EXPECT_THROW(dequantize_row(dtype::q5_k, bytes, out), std::invalid_argument);
  EXPECT_FALSE(can_dequantize(dtype::q5_k));
  EXPECT_FALSE(can_dequantize(dtype::i32));

  tensor_view t;
  t.name = "blk.0.ffn_up.weight";
  t.type = dtype::q5_k;
  t.rank = 1;
  t.shape[0] = 256;
  expect_load_error([&] { dequantize(t); }, {"tensor 'blk.0.ffn_up.weight': cannot dequantize type q5_k"});
  expect_load_error([&] { dequantize_rows(t, 0, 1); }, {"cannot dequantize type q5_k"});
}

TEST(Dequantize, RejectsRowsOutsideTheTensor) {
  std::vector<std::byte> bytes(4 * 3 * 2);
  tensor_view t;
  t.name = "m";
  t.type = dtype::f32;
  t.rank = 2;
  t.shape = {3, 2};
  t.data = bytes;
  EXPECT_EQ(dequantize_rows(t, 2, 1).size(), 2u);
  EXPECT_THROW(dequantize_rows(t, 2, 2), std::out_of_range);
  EXPECT_THROW(dequantize_rows(t, -1, 1), std::out_of_range);
  EXPECT_THROW(dequantize_rows(t, 4, 0), std::out_of_range);
}

}  // namespace
}  // namespace moeserve::model::testing
