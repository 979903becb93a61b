// Reading GGUF metadata and tensors from tests/fixtures/gguf/metadata.gguf, written by
// gguf-py's GGUFWriter (tools/make_gguf_fixtures.py): every value type round-trips, the
// accessors convert or refuse as documented, and a custom alignment places the tensors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "model/io/dequantize.hpp"
#include "model/io/gguf_file.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

using ::testing::ElementsAre;

class GgufMetadataFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { file_ = new gguf_file(fixtures_dir() / "gguf" / "metadata.gguf"); }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
  }
  static const gguf_file& f() { return *file_; }

 private:
  static inline gguf_file* file_ = nullptr;
};

TEST_F(GgufMetadataFixture, ReadsEveryScalarType) {
  EXPECT_EQ(f().version(), 3u);
  EXPECT_EQ(f().get<std::uint8_t>("test.u8"), 200);
  EXPECT_EQ(f().get<std::int8_t>("test.i8"), -100);
  EXPECT_EQ(f().get<std::uint16_t>("test.u16"), 60000);
  EXPECT_EQ(f().get<std::int16_t>("test.i16"), -30000);
  EXPECT_EQ(f().get_u32("test.u32"), 4000000000u);
  EXPECT_EQ(f().get_i32("test.i32"), -2000000000);
  EXPECT_EQ(f().get_f32("test.f32"), 3.25f);
  EXPECT_TRUE(f().get_bool("test.bool"));
  EXPECT_EQ(f().get_string("test.string"), "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93");
  EXPECT_EQ(f().get_u64("test.u64"), (1ull << 63) + 5);
  EXPECT_EQ(f().get<std::int64_t>("test.i64"), -(std::int64_t{1} << 62) - 7);
  EXPECT_EQ(f().get<double>("test.f64"), 0.1);
  EXPECT_EQ(f().get_string("general.architecture"), "fixture");
}

TEST_F(GgufMetadataFixture, ReportsTheStoredTypes) {
  EXPECT_EQ(f().find("test.u8")->type(), gguf_type::u8);
  EXPECT_EQ(f().find("test.f64")->type(), gguf_type::f64);
  EXPECT_EQ(f().find("test.bool")->type(), gguf_type::boolean);
  const gguf_value* a = f().find("test.arr.i16");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->is_array());
  EXPECT_EQ(a->element_type(), gguf_type::i16);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(a->describe(), "array of 2 i16");
  EXPECT_EQ(f().find("test.u32")->describe(), "u32 4000000000");
  EXPECT_EQ(f().find("general.architecture")->describe(), "string 'fixture'");
  EXPECT_EQ(f().find("test.f32")->describe(), "f32 3.25");
  EXPECT_EQ(f().find("test.i64")->describe(), "i64 -4611686018427387911");
  EXPECT_EQ(f().find("test.bool")->describe(), "bool true");
}

TEST_F(GgufMetadataFixture, ReadsEveryArrayType) {
  EXPECT_THAT(f().get_array<std::uint8_t>("test.arr.u8"), ElementsAre(0, 1, 255));
  EXPECT_THAT(f().get_array<std::int8_t>("test.arr.i8"), ElementsAre(-128, 0, 127));
  EXPECT_THAT(f().get_array<std::uint16_t>("test.arr.u16"), ElementsAre(0, 65535));
  EXPECT_THAT(f().get_array<std::int16_t>("test.arr.i16"), ElementsAre(-32768, 32767));
  EXPECT_THAT(f().get_array<std::uint32_t>("test.arr.u32"), ElementsAre(7u, 4294967295u));
  EXPECT_THAT(f().get_i32_array("test.arr.i32"), ElementsAre(-1, 0, 2147483647));
  EXPECT_THAT(f().get_f32_array("test.arr.f32"), ElementsAre(1.5f, -2.25f, 0.001f));
  EXPECT_THAT(f().get_array<bool>("test.arr.bool"), ElementsAre(true, false, true));
  EXPECT_THAT(f().get_string_array("test.arr.string"), ElementsAre("a", "",
                                                                   "\xc3\xbcn\xc3\xaf"
                                                                   "code",
                                                                   "with space"));
  EXPECT_THAT(f().get_array<std::uint64_t>("test.arr.u64"), ElementsAre(std::numeric_limits<std::uint64_t>::max(), 0u));
  EXPECT_THAT(f().get_array<std::int64_t>("test.arr.i64"),
              ElementsAre(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()));
  EXPECT_THAT(f().get_array<double>("test.arr.f64"), ElementsAre(0.1, -1e300));
}

TEST_F(GgufMetadataFixture, KeepsTheFileOrderOfKeys) {
  const auto md = f().metadata();
  ASSERT_EQ(md.size(), 26u);  // architecture, alignment and the 24 test keys
  EXPECT_EQ(md[0].key, "general.architecture");
  EXPECT_EQ(md[1].key, "general.alignment");
  EXPECT_EQ(md[2].key, "test.u8");
  EXPECT_EQ(md.back().key, "test.arr.f64");
}

TEST_F(GgufMetadataFixture, WidensIntegersThatFit) {
  EXPECT_EQ(f().get_u32("test.u8"), 200u);
  EXPECT_EQ(f().get<std::int64_t>("test.u32"), 4000000000);
  EXPECT_EQ(f().get_i32("test.i16"), -30000);
  EXPECT_EQ(f().get<double>("test.f32"), 3.25);
  EXPECT_THAT(f().get_array<std::int64_t>("test.arr.u16"), ElementsAre(0, 65535));
}

TEST_F(GgufMetadataFixture, RefusesValuesOfTheWrongKindOrRange) {
  const std::string file = (fixtures_dir() / "gguf" / "metadata.gguf").string();
  expect_load_error([] { f().get_u32("test.i32"); }, {file, "key 'test.i32': is i32 -2000000000, expected u32"});
  expect_load_error([] { f().get_u32("test.u64"); }, {"key 'test.u64': is u64 9223372036854775813, expected u32"});
  expect_load_error([] { f().get_string("test.u32"); }, {"key 'test.u32': is u32 4000000000, expected string"});
  expect_load_error([] { f().get_f32("test.string"); }, {"key 'test.string'", "expected f32"});
  expect_load_error([] { f().get_bool("test.u8"); }, {"expected bool"});
  expect_load_error([] { f().get_u32("test.arr.u32"); }, {"is array of 2 u32, expected u32"});
  expect_load_error([] { f().get_string_array("test.arr.u32"); },
                    {"key 'test.arr.u32': is array of 2 u32, expected an array of string"});
  expect_load_error([] { f().get_f32_array("test.arr.string"); }, {"is array of 4 string, expected an array of f32"});
  expect_load_error([] { f().get_i32_array("test.arr.u32"); }, {"expected an array of i32"});  // 4294967295
  expect_load_error([] { f().get_f32_array("test.f32"); }, {"is f32 3.25", "expected an array of f32"});
}

TEST_F(GgufMetadataFixture, MissingKeysThrowButOptionalLookupsDoNot) {
  expect_load_error([] { f().get_u32("llama.block_count"); }, {"key 'llama.block_count': missing"});
  EXPECT_FALSE(f().contains("llama.block_count"));
  EXPECT_EQ(f().find("llama.block_count"), nullptr);
  EXPECT_EQ(f().find_u32("llama.block_count"), std::nullopt);
  EXPECT_EQ(f().find_string("nope"), std::nullopt);
  EXPECT_EQ(f().find_string_array("nope"), std::nullopt);
  EXPECT_EQ(f().find_u32("test.u16"), 60000u);
  EXPECT_EQ(f().find_f32("test.f32"), 3.25f);
  EXPECT_EQ(f().find_bool("test.bool"), true);
  EXPECT_EQ(f().find_string_array("test.arr.string")->size(), 4u);
  expect_load_error([] { f().find_u32("test.string"); }, {"key 'test.string'", "expected u32"});
}

TEST_F(GgufMetadataFixture, PlacesTensorsAtTheCustomAlignment) {
  EXPECT_EQ(f().alignment(), 64u);
  EXPECT_EQ(f().data_offset() % 64, 0u);
  ASSERT_EQ(f().tensors().size(), 2u);
  const tensor_view& a = f().tensor("small.a");
  const tensor_view& b = f().tensor("small.b");
  EXPECT_EQ(a.rank, 1);
  EXPECT_EQ(a.shape[0], 5);
  EXPECT_EQ(b.rank, 2);
  EXPECT_EQ(b.shape[0], 2);
  EXPECT_EQ(b.shape[1], 2);
  EXPECT_EQ(static_cast<std::size_t>(a.data.data() - f().bytes().data()), f().data_offset());
  EXPECT_EQ(static_cast<std::size_t>(b.data.data() - f().bytes().data()), f().data_offset() + 64);
  EXPECT_THAT(dequantize(a), ElementsAre(0.f, 0.5f, 1.f, 1.5f, 2.f));
  EXPECT_THAT(dequantize(b), ElementsAre(1.f, -2.f, 3.5f, 1e-3f));
  EXPECT_EQ(f().find_tensor("small.c"), nullptr);
  expect_load_error([] { f().tensor("small.c"); }, {"metadata.gguf", "no tensor named 'small.c'"});
}

TEST_F(GgufMetadataFixture, ViewsSurviveAMoveOfTheFile) {
  gguf_file original(fixtures_dir() / "gguf" / "metadata.gguf");
  const tensor_view* a = original.find_tensor("small.a");
  const auto strings = original.get_string_array("test.arr.string");
  gguf_file moved(std::move(original));
  EXPECT_EQ(moved.find_tensor("small.a"), a);
  EXPECT_EQ(moved.get_string_array("test.arr.string").data(), strings.data());
  EXPECT_EQ(moved.get_string("test.string"), "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93");
  EXPECT_EQ(dequantize(*a)[1], 0.5f);
}

TEST(GgufFile, MissingFileNamesThePathAndTheReason) {
  expect_load_error([] { gguf_file f("/nonexistent/dir/model.gguf"); },
                    {"/nonexistent/dir/model.gguf", "cannot open", "No such file or directory"});
}

}  // namespace
}  // namespace moeserve::model::testing
