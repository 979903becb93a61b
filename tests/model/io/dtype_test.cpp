#include "model/io/dtype.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "model/io/tensor_view.hpp"

namespace moeserve::model {
namespace {

TEST(Dtype, BlockSizesFollowGgml) {
  EXPECT_EQ(traits(dtype::f32).block_bytes, 4);
  EXPECT_EQ(traits(dtype::bf16).block_bytes, 2);
  EXPECT_EQ(traits(dtype::q4_0).block_elements, 32);
  EXPECT_EQ(traits(dtype::q4_0).block_bytes, 18);
  EXPECT_EQ(traits(dtype::q4_1).block_bytes, 20);
  EXPECT_EQ(traits(dtype::q8_0).block_bytes, 34);
  EXPECT_EQ(traits(dtype::q4_k).block_elements, 256);
  EXPECT_EQ(traits(dtype::q4_k).block_bytes, 144);
  EXPECT_EQ(traits(dtype::q6_k).block_bytes, 210);
  EXPECT_EQ(name(dtype::q6_k), "q6_k");
}

TEST(Dtype, GgmlIdsRoundTrip) {
  int with_id = 0;
  for (int i = 0; i < dtype_count; ++i) {
    const auto t = static_cast<dtype>(i);
    const auto id = traits(t).ggml_id;
    if (id < 0) continue;
    ++with_id;
    EXPECT_EQ(dtype_from_ggml(static_cast<std::uint32_t>(id)), t) << name(t);
  }
  EXPECT_EQ(with_id, 34);  // gguf-py 0.19.0 GGMLQuantizationType has 34 members
  EXPECT_EQ(dtype_from_ggml(0), dtype::f32);
  EXPECT_EQ(dtype_from_ggml(3), dtype::q4_1);
  EXPECT_EQ(dtype_from_ggml(30), dtype::bf16);
  for (std::uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, ggml_type_count, 1000u}) {
    EXPECT_EQ(dtype_from_ggml(removed), std::nullopt) << removed;
  }
}

TEST(Dtype, SafetensorsNames) {
  const std::pair<const char*, dtype> names[] = {
      {"F64", dtype::f64},      {"F32", dtype::f32},         {"F16", dtype::f16},        {"BF16", dtype::bf16},
      {"I64", dtype::i64},      {"I32", dtype::i32},         {"I16", dtype::i16},        {"I8", dtype::i8},
      {"U64", dtype::u64},      {"U32", dtype::u32},         {"U16", dtype::u16},        {"U8", dtype::u8},
      {"BOOL", dtype::boolean}, {"F8_E4M3", dtype::f8_e4m3}, {"F8_E5M2", dtype::f8_e5m2}};
  for (const auto& [n, t] : names) EXPECT_EQ(dtype_from_safetensors(n), t) << n;
  for (const char* bad : {"", "f32", "Q4_0", "F12", "F8_E4M3FN"}) EXPECT_EQ(dtype_from_safetensors(bad), std::nullopt);
}

TEST(Dtype, RowBytesChecksBlocksAndOverflow) {
  EXPECT_EQ(row_bytes(dtype::q4_0, 64), 36);
  EXPECT_EQ(row_bytes(dtype::q6_k, 512), 420);
  EXPECT_EQ(row_bytes(dtype::f16, 3), 6);
  EXPECT_EQ(row_bytes(dtype::f16, 0), 0);
  EXPECT_EQ(row_bytes(dtype::q4_0, 33), std::nullopt);
  EXPECT_EQ(row_bytes(dtype::f32, -4), std::nullopt);
  EXPECT_EQ(row_bytes(dtype::f64, std::numeric_limits<std::int64_t>::max() / 4), std::nullopt);
}

TEST(TensorView, CountsElementsAndRows) {
  tensor_view v;
  EXPECT_EQ(v.element_count(), 1);  // a scalar
  EXPECT_EQ(v.row_count(), 1);
  v.rank = 3;
  v.shape = {2, 3, 4, 0};
  EXPECT_EQ(v.element_count(), 24);
  EXPECT_EQ(v.row_length(), 4);
  EXPECT_EQ(v.row_count(), 6);
  EXPECT_EQ(v.dims().size(), 3u);
}

}  // namespace
}  // namespace moeserve::model
