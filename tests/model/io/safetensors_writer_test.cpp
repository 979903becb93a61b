// safetensors_writer: golden header bytes of a tiny file, round trips through our reader
// (safetensors_file, safetensors_checkpoint) for F32, BF16, F16, I8, U8 and F8_E4M3,
// sharding with an index, streaming fills, and refused declarations.

#include "model/io/safetensors_writer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "model/io/dequantize.hpp"
#include "model/io/safetensors_checkpoint.hpp"
#include "model/io/safetensors_file.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

using ::testing::ElementsAre;

template <class T>
std::vector<std::byte> as_bytes_of(std::initializer_list<T> values) {
  std::vector<std::byte> out(values.size() * sizeof(T));
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::int64_t> dims_of(const tensor_view& t) { return {t.dims().begin(), t.dims().end()}; }

TEST(SafetensorsWriter, WritesTheGoldenBytesOfATinyFile) {
  safetensors_writer w;
  w.add_bytes("b", dtype::u8, {3}, as_bytes_of<std::uint8_t>({1, 2, 3}));
  w.add_bytes("a", dtype::f32, {1, 2}, as_bytes_of<float>({1.0f, -2.0f}));
  w.set_metadata("format", "pt");
  temp_dir dir;
  w.write_file(dir / "t.safetensors");
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}})";
  std::string padded = json;
  while (padded.size() % 8 != 0) padded += ' ';
  std::string expected(8, '\0');
  expected[0] = static_cast<char>(padded.size());
  expected += padded;
  expected += std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0\x01\x02\x03", 11);
  EXPECT_EQ(read_text(dir / "t.safetensors"), expected);
  EXPECT_EQ(padded.size(), 144u);  // 140 bytes of JSON, 4 spaces
}

TEST(SafetensorsWriter, RoundTripsEveryDtypeTheReaderHas) {
  safetensors_writer w;
  w.add_bytes("f32", dtype::f32, {2, 2}, as_bytes_of<float>({1.5f, -2.0f, 0.25f, 8.0f}));
  w.add_bytes("bf16", dtype::bf16, {3}, as_bytes_of<std::uint16_t>({0x3f80, 0xc000, 0x3e80}));  // 1, -2, 0.25
  w.add_bytes("f16", dtype::f16, {2}, as_bytes_of<std::uint16_t>({0x3c00, 0xc000}));            // 1, -2
  w.add_bytes("i8", dtype::i8, {2, 3}, as_bytes_of<std::int8_t>({-127, -1, 0, 1, 64, 127}));
  w.add_bytes("u8", dtype::u8, {5}, as_bytes_of<std::uint8_t>({0, 1, 128, 254, 255}));
  w.add_bytes("fp8", dtype::f8_e4m3, {2, 2}, as_bytes_of<std::uint8_t>({0x38, 0xb8, 0x7e, 0x00}));
  w.add_bytes("scalar", dtype::f32, {}, as_bytes_of<float>({3.0f}));
  w.add_bytes("empty", dtype::f32, {0, 4}, {});
  w.set_metadata("quantized_by", "moeserve");
  temp_dir dir;
  w.write_file(dir / "m.safetensors");

  safetensors_file f(dir / "m.safetensors");
  EXPECT_EQ(f.data_offset() % 8, 0u);
  ASSERT_EQ(f.tensors().size(), 8u);
  EXPECT_EQ(f.find_metadata("quantized_by"), "moeserve");
  EXPECT_THAT(dequantize(f.tensor("f32")), ElementsAre(1.5f, -2.0f, 0.25f, 8.0f));
  EXPECT_THAT(dims_of(f.tensor("f32")), ElementsAre(2, 2));
  EXPECT_THAT(dequantize(f.tensor("bf16")), ElementsAre(1.0f, -2.0f, 0.25f));
  EXPECT_THAT(dequantize(f.tensor("f16")), ElementsAre(1.0f, -2.0f));
  const auto& i8 = f.tensor("i8");
  EXPECT_EQ(i8.type, dtype::i8);
  EXPECT_THAT(dims_of(i8), ElementsAre(2, 3));
  EXPECT_EQ(std::memcmp(i8.data.data(), as_bytes_of<std::int8_t>({-127, -1, 0, 1, 64, 127}).data(), 6), 0);
  const auto& u8 = f.tensor("u8");
  EXPECT_EQ(u8.type, dtype::u8);
  EXPECT_EQ(std::memcmp(u8.data.data(), as_bytes_of<std::uint8_t>({0, 1, 128, 254, 255}).data(), 5), 0);
  const auto& fp8 = f.tensor("fp8");
  EXPECT_EQ(fp8.type, dtype::f8_e4m3);
  EXPECT_EQ(std::memcmp(fp8.data.data(), as_bytes_of<std::uint8_t>({0x38, 0xb8, 0x7e, 0x00}).data(), 4), 0);
  EXPECT_EQ(f.tensor("scalar").rank, 0);
  EXPECT_EQ(f.tensor("empty").data.size(), 0u);
  // Data order is name order.
  for (std::size_t i = 1; i < f.tensors().size(); ++i) EXPECT_LT(f.tensors()[i - 1].name, f.tensors()[i].name);
}

TEST(SafetensorsWriter, StreamsEachTensorFromItsFillOnceInNameOrder) {
  safetensors_writer w;
  std::vector<std::string> calls;
  for (const std::string name : {"z", "m", "a"}) {
    w.add(name, dtype::f32, {4}, [&calls, name](std::span<std::byte> out) {
      calls.push_back(name);
      ASSERT_EQ(out.size(), 16u);
      const float v[4] = {1, 2, 3, static_cast<float>(name[0])};
      std::memcpy(out.data(), v, 16);
    });
  }
  temp_dir dir;
  w.write_file(dir / "s.safetensors");
  EXPECT_THAT(calls, ElementsAre("a", "m", "z"));
  safetensors_file f(dir / "s.safetensors");
  EXPECT_THAT(dequantize(f.tensor("m")), ElementsAre(1, 2, 3, 'm'));
}

TEST(SafetensorsWriter, ShardsAboveTheSizeWithAnIndexTheCheckpointReads) {
  safetensors_writer w;
  for (int i = 0; i < 5; ++i) {
    std::vector<float> v(64, static_cast<float>(i));  // 256 bytes each
    w.add_bytes("layer." + std::to_string(i) + ".weight", dtype::f32, {8, 8}, std::as_bytes(std::span(v)));
  }
  temp_dir dir;
  const auto files = w.write_checkpoint(dir.path(), 600);  // two tensors per shard
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].filename(), "model-00001-of-00003.safetensors");
  EXPECT_EQ(files[2].filename(), "model-00003-of-00003.safetensors");
  EXPECT_EQ(files[3].filename(), "model.safetensors.index.json");
  EXPECT_THAT(read_text(files[3]), ::testing::HasSubstr("\"total_size\": 1280"));
  safetensors_checkpoint c(dir.path());
  EXPECT_EQ(c.shards().size(), 3u);
  EXPECT_EQ(c.tensor_count(), 5u);
  EXPECT_EQ(c.total_bytes(), 1280u);
  EXPECT_EQ(dequantize(c.tensor("layer.4.weight"))[63], 4.0f);
}

TEST(SafetensorsWriter, WritesOneModelFileBelowTheSize) {
  safetensors_writer w;
  w.add_bytes("x", dtype::bf16, {2}, as_bytes_of<std::uint16_t>({0x3f80, 0x4000}));
  temp_dir dir;
  const auto files = w.write_checkpoint(dir / "out", 1 << 20);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename(), "model.safetensors");
  safetensors_checkpoint c(dir / "out");
  EXPECT_THAT(dequantize(c.tensor("x")), ElementsAre(1.0f, 2.0f));
}

TEST(SafetensorsWriter, EscapesNamesAndMetadataInJson) {
  safetensors_writer w;
  w.add_bytes("a\"b\\c", dtype::u8, {1}, as_bytes_of<std::uint8_t>({7}));
  w.set_metadata("k", "line\nbreak");
  temp_dir dir;
  w.write_file(dir / "e.safetensors");
  safetensors_file f(dir / "e.safetensors");
  EXPECT_NE(f.find_tensor("a\"b\\c"), nullptr);
  EXPECT_EQ(f.find_metadata("k"), "line\nbreak");
}

TEST(SafetensorsWriter, RefusesBadDeclarations) {
  safetensors_writer w;
  w.add_bytes("x", dtype::u8, {1}, as_bytes_of<std::uint8_t>({1}));
  const auto one = as_bytes_of<std::uint8_t>({1});
  EXPECT_THROW(w.add_bytes("x", dtype::u8, {1}, one), std::invalid_argument);             // duplicate
  EXPECT_THROW(w.add_bytes("", dtype::u8, {1}, one), std::invalid_argument);              // empty name
  EXPECT_THROW(w.add_bytes("__metadata__", dtype::u8, {1}, one), std::invalid_argument);  // reserved
  EXPECT_THROW(w.add_bytes("q", dtype::q4_0, {32}, one), std::invalid_argument);          // no safetensors name
  EXPECT_THROW(w.add_bytes("r", dtype::u8, {1, 1, 1, 1, 1}, one), std::invalid_argument); // rank 5
  EXPECT_THROW(w.add_bytes("s", dtype::u8, {-1}, one), std::invalid_argument);            // negative
  EXPECT_THROW(w.add_bytes("t", dtype::f32, {1}, one), std::invalid_argument);            // 1 byte for 4
  EXPECT_EQ(w.tensor_count(), 1u);
}

}  // namespace
}  // namespace moeserve::model::testing
