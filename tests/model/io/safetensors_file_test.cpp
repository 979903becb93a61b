// safetensors_file: reading valid files, and every safetensors rule of REFERENCE.md's
// "Loader validation", each with a file corrupted in that one way.

#include "model/io/safetensors_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "model/io/dequantize.hpp"
#include "tests/model/io/allocation_probe.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

using ::testing::ElementsAre;

std::vector<std::byte> safetensors_bytes(std::string_view header, std::span<const std::byte> data,
                                         std::optional<std::uint64_t> header_len = std::nullopt) {
  byte_buffer b;
  b.put<std::uint64_t>(header_len.value_or(header.size())).put_text(header).put_bytes(data);
  return b.bytes();
}

std::vector<std::byte> floats(std::initializer_list<float> values) {
  std::vector<std::byte> out(values.size() * 4);
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

class SafetensorsFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::vector<std::byte>& bytes) {
    auto p = dir_ / ("f" + std::to_string(counter_++) + ".safetensors");
    write_file(p, bytes);
    return p;
  }
  void expect_rejected(const std::vector<std::byte>& bytes, std::initializer_list<std::string_view> parts) {
    const auto path = write(bytes);
    std::size_t largest = 0;
    expect_load_error(
        [&] {
          allocation_probe probe;
          try {
            safetensors_file f(path);
          } catch (...) {
            largest = probe.largest();
            throw;
          }
        },
        parts);
    expect_load_error([&] { safetensors_file f(path); }, {path.string()});
    // simdjson needs a few times the header, bounded by the bytes present, plus its fixed buffers
    EXPECT_LE(largest, 16 * bytes.size() + 65536) << "an allocation follows a size claimed by the file";
  }
  void expect_rejected(std::string_view header, std::size_t data_bytes, std::initializer_list<std::string_view> parts) {
    expect_rejected(safetensors_bytes(header, std::vector<std::byte>(data_bytes)), parts);
  }

  temp_dir dir_;
  int counter_ = 0;
};

constexpr std::string_view two_tensors = R"({"b": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]},)"
                                         R"( "__metadata__": {"format": "pt", "note": "x"},)"
                                         R"( "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}})";

TEST_F(SafetensorsFile, ReadsTensorsInDataOrderWithMetadata) {
  auto data = floats({1, 2, 3, 4, 5, 6});
  const std::uint16_t bf16[4] = {0x3f80, 0xc000, 0x0000, 0x4040};  // 1, -2, 0, 3
  const auto* p = reinterpret_cast<const std::byte*>(bf16);
  data.insert(data.end(), p, p + 8);
  const auto bytes = safetensors_bytes(two_tensors, data);
  safetensors_file f(write(bytes));
  EXPECT_EQ(f.data_offset(), 8 + two_tensors.size());
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[0].name, "a");
  EXPECT_EQ(f.tensors()[1].name, "b");
  const tensor_view& a = f.tensor("a");
  EXPECT_EQ(a.type, dtype::f32);
  EXPECT_EQ(a.rank, 2);
  EXPECT_EQ(a.shape[0], 2);
  EXPECT_EQ(a.shape[1], 3);
  EXPECT_EQ(a.data.data(), f.bytes().data() + f.data_offset());
  EXPECT_THAT(dequantize(a), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(dequantize_rows(a, 1, 1), ElementsAre(4, 5, 6));
  EXPECT_THAT(dequantize(f.tensor("b")), ElementsAre(1, -2, 0, 3));
  EXPECT_EQ(f.find_metadata("format"), "pt");
  EXPECT_EQ(f.find_metadata("note"), "x");
  EXPECT_EQ(f.find_metadata("other"), std::nullopt);
  EXPECT_EQ(f.metadata().size(), 2u);
  EXPECT_EQ(f.find_tensor("c"), nullptr);
  expect_load_error([&] { f.tensor("c"); }, {"no tensor named 'c'"});
}

TEST_F(SafetensorsFile, AcceptsScalarsEmptyTensorsAndPaddedHeaders) {
  const std::string header = R"({"s": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]},)"
                             R"( "e": {"dtype": "F16", "shape": [0, 3], "data_offsets": [8, 8]},)"
                             R"( "z": {"dtype": "U8", "shape": [3], "data_offsets": [8, 11], "extra": 1}})"
                             "        ";
  safetensors_file f(write(safetensors_bytes(header, std::vector<std::byte>(11))));
  EXPECT_EQ(f.tensor("s").rank, 0);
  EXPECT_EQ(f.tensor("s").element_count(), 1);
  EXPECT_EQ(f.tensor("e").element_count(), 0);
  EXPECT_TRUE(f.tensor("e").data.empty());
  EXPECT_EQ(f.tensor("z").data.size(), 3u);
  EXPECT_TRUE(f.metadata().empty());
}

TEST_F(SafetensorsFile, AcceptsAnEmptyFile) {
  safetensors_file f(write(safetensors_bytes("{}", {})));
  EXPECT_TRUE(f.tensors().empty());
}

TEST_F(SafetensorsFile, AcceptsEveryListedDtype) {
  const std::pair<const char*, int> types[] = {{"F64", 8},     {"F32", 4},     {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                               {"I32", 4},     {"I16", 2},     {"I8", 1},  {"U8", 1},   {"BOOL", 1},
                                               {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"U16", 2}, {"U32", 4},  {"U64", 8}};
  for (const auto& [st_name, size] : types) {
    const std::string header = std::string(R"({"t": {"dtype": ")") + st_name +
                               R"(", "shape": [3], "data_offsets": [0, )" + std::to_string(3 * size) + "]}}";
    safetensors_file f(write(safetensors_bytes(header, std::vector<std::byte>(static_cast<std::size_t>(3 * size)))));
    const dtype t = f.tensor("t").type;
    EXPECT_EQ(traits(t).safetensors_name, st_name);
    EXPECT_EQ(traits(t).block_bytes, size) << st_name;
  }
}

TEST_F(SafetensorsFile, RejectsFilesTooShortForTheLength) {
  expect_rejected(std::vector<std::byte>(5), {"file of 5 bytes is too short"});
}

TEST_F(SafetensorsFile, RejectsHeaderLengthOverTheLimitBeforeAllocating) {
  expect_rejected(safetensors_bytes("{}", {}, 1ull << 40),
                  {"header length 1099511627776 exceeds the limit of 100000000"});
  expect_rejected(safetensors_bytes("{}", {}, 100'000'001), {"header length 100000001 exceeds the limit"});
}

TEST_F(SafetensorsFile, RejectsHeaderLengthOverTheFileSize) {
  expect_rejected(safetensors_bytes("{}", {}, 3), {"header length 3 exceeds the 2 bytes after the length"});
}

TEST_F(SafetensorsFile, RejectsHeadersThatAreNotUtf8Json) {
  expect_rejected("{\"a\xff\": 1}", 0, {"header is not valid UTF-8 JSON"});
  expect_rejected(R"({"a": )", 0, {"header is not valid UTF-8 JSON"});
  expect_rejected("", 0, {"header is not valid UTF-8 JSON"});
}

TEST_F(SafetensorsFile, RejectsHeadersThatAreNotObjects) {
  expect_rejected(R"([1, 2])", 0, {"header is not a JSON object"});
  expect_rejected(R"("x")", 0, {"header is not a JSON object"});
}

TEST_F(SafetensorsFile, RejectsDuplicateNames) {
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                  R"( "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
                  2, {"tensor 'a': duplicate name"});
}

TEST_F(SafetensorsFile, RejectsUnknownOrMissingDtypes) {
  expect_rejected(R"({"a": {"dtype": "F12", "shape": [1], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': unknown dtype 'F12'"});
  expect_rejected(R"({"a": {"dtype": 4, "shape": [1], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': missing or non-string 'dtype'"});
  expect_rejected(R"({"a": {"shape": [1], "data_offsets": [0, 1]}})", 1, {"missing or non-string 'dtype'"});
}

TEST_F(SafetensorsFile, RejectsBadShapes) {
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1, -1], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': shape entries must be non-negative integers"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1.5], "data_offsets": [0, 1]}})", 1,
                  {"shape entries must be non-negative integers"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [9223372036854775808], "data_offsets": [0, 1]}})", 1,
                  {"shape entries must be non-negative integers below 2^63"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1, 1, 1, 1, 1], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': 5 dimensions, at most 4"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": "1", "data_offsets": [0, 1]}})", 1, {"non-array 'shape'"});
  expect_rejected(R"({"a": 7})", 0, {"tensor 'a': not an object"});
}

TEST_F(SafetensorsFile, RejectsSizeProductsThatOverflow) {
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [4294967296, 4294967296], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': element count overflows int64"});
  expect_rejected(R"({"a": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 1]}})", 1,
                  {"tensor 'a': byte size overflows int64"});
}

TEST_F(SafetensorsFile, RejectsSizesThatDisagreeWithShapeAndDtype) {
  expect_rejected(R"({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 20,
                  {"tensor 'a': 20 bytes in data_offsets, but shape and dtype need 24"});
}

TEST_F(SafetensorsFile, RejectsMalformedOffsets) {
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0]}})", 1,
                  {"'data_offsets' must be an array [begin, end]"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [-1, 0]}})", 1,
                  {"'data_offsets' must be non-negative integers"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [0], "data_offsets": [1, 0]}})", 1,
                  {"tensor 'a': data_offsets [1, 0] end before they begin"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}})", 2,
                  {"tensor 'a': data_offsets end 4 lies past the data section of 2 bytes"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [18446744073709551615, 0]}})", 1,
                  {"end before they begin"});
}

TEST_F(SafetensorsFile, RejectsHolesOverlapsAndUncoveredBytes) {
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}})", 3,
                  {"tensor 'a': data begins at 1, leaving a hole after 0"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},)"
                  R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [3, 5]}})",
                  5, {"tensor 'b': data begins at 3, leaving a hole after 2"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},)"
                  R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}})",
                  3, {"tensor 'b': data [1, 3) overlaps the previous tensor, which ends at 2"});
  expect_rejected(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})", 3,
                  {"tensors cover 2 bytes of the 3-byte data section"});
  expect_rejected("{}", 1, {"tensors cover 0 bytes of the 1-byte data section"});
}

TEST_F(SafetensorsFile, AcceptsOffsetsListedOutOfOrder) {
  safetensors_file f(write(safetensors_bytes(R"({"z": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]},)"
                                             R"( "y": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})",
                                             std::vector<std::byte>(4))));
  EXPECT_EQ(f.tensors()[0].name, "y");
  EXPECT_EQ(f.tensors()[1].name, "z");
}

TEST_F(SafetensorsFile, RejectsMetadataThatIsNotStrings) {
  expect_rejected(R"({"__metadata__": {"format": 1}})", 0, {"__metadata__ 'format' is not a string"});
  expect_rejected(R"({"__metadata__": ["pt"]})", 0, {"'__metadata__' is not an object"});
}

TEST_F(SafetensorsFile, RejectsEveryTruncation) {
  const auto full = safetensors_bytes(two_tensors, std::vector<std::byte>(32));
  ASSERT_NO_THROW(safetensors_file(write(full)));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const auto path = write(std::vector<std::byte>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_THROW(safetensors_file{path}, load_error) << "prefix of " << n << " bytes";
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace moeserve::model::testing
