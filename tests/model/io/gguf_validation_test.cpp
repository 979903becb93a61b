// Every GGUF rule of REFERENCE.md's "Loader validation": each test corrupts one thing in
// an otherwise valid file and checks that opening it throws load_error naming the file,
// the place and the problem, without allocating anything near the sizes it claims.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "model/io/gguf_file.hpp"
#include "tests/model/io/allocation_probe.hpp"
#include "tests/model/io/gguf_builder.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

constexpr std::uint32_t ggml_f32 = 0;
constexpr std::uint32_t ggml_q4_0 = 2;
constexpr std::uint32_t ggml_q6_k = 14;
constexpr std::uint32_t gguf_u32 = 4;
constexpr std::uint32_t gguf_f32 = 6;
constexpr std::uint32_t gguf_bool = 7;
constexpr std::uint32_t gguf_string = 8;
constexpr std::uint32_t gguf_array = 9;
constexpr std::uint64_t huge = 1ull << 60;

gguf_spec minimal_spec() {
  gguf_spec s;
  s.kvs.push_back(kv_string("general.architecture", "llama"));
  s.kvs.push_back(kv_u32("llama.block_count", 2));
  s.tensors.push_back({"a", {4, 2}, ggml_f32});
  s.tensors.push_back({"b", {64}, ggml_q4_0});
  return s;
}

class GgufValidation : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::vector<std::byte>& bytes) {
    auto p = dir_ / ("f" + std::to_string(counter_++) + ".gguf");
    write_file(p, bytes);
    return p;
  }
  std::filesystem::path write(const gguf_spec& spec) { return write(build_gguf(spec)); }

  // Expects opening to fail with a message holding the path and `parts`, and no single
  // allocation larger than the file plus room for the message.
  void expect_rejected(const std::vector<std::byte>& bytes, std::initializer_list<std::string_view> parts) {
    const auto path = write(bytes);
    std::size_t largest = 0;
    expect_load_error(
        [&] {
          allocation_probe probe;
          try {
            gguf_file f(path);
          } catch (...) {
            largest = probe.largest();
            throw;
          }
        },
        parts);
    expect_load_error([&] { gguf_file f(path); }, {path.string()});
    EXPECT_LE(largest, bytes.size() + 4096) << "an allocation follows a size claimed by the file";
  }
  void expect_rejected(const gguf_spec& spec, std::initializer_list<std::string_view> parts) {
    expect_rejected(build_gguf(spec), parts);
  }

  temp_dir dir_;
  int counter_ = 0;
};

TEST_F(GgufValidation, MinimalFileOpensWithItsTensorsInPlace) {
  const auto bytes = build_gguf(minimal_spec());
  gguf_file f(write(bytes));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_u32("llama.block_count"), 2u);
  ASSERT_EQ(f.tensors().size(), 2u);
  const tensor_view& a = f.tensor("a");
  EXPECT_EQ(a.type, dtype::f32);
  EXPECT_EQ(a.rank, 2);
  EXPECT_EQ(a.shape[0], 2);  // reversed from ne = [4, 2]
  EXPECT_EQ(a.shape[1], 4);
  EXPECT_EQ(a.data.size(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  EXPECT_EQ(a.data.data(), f.bytes().data() + f.data_offset());
  EXPECT_EQ(std::to_integer<int>(a.data[1]), 10);  // the builder's pattern (i * 7 + 3)
  const tensor_view& b = f.tensor("b");
  EXPECT_EQ(b.type, dtype::q4_0);
  EXPECT_EQ(b.data.size(), 36u);
  EXPECT_EQ(b.data.data(), f.bytes().data() + f.data_offset() + 32);
  EXPECT_EQ(b.data.data() + b.data.size(), f.bytes().data() + f.bytes().size());
}

TEST_F(GgufValidation, AcceptsVersion2) {
  auto s = minimal_spec();
  s.version = 2;
  EXPECT_EQ(gguf_file(write(s)).version(), 2u);
}

TEST_F(GgufValidation, RejectsBadMagic) {
  auto s = minimal_spec();
  s.magic = "GGML";
  expect_rejected(s, {"offset 0x0", "bad magic"});
}

TEST_F(GgufValidation, RejectsFileTooShortForTheHeader) {
  expect_rejected(byte_buffer().put_text("GGUF").put<std::uint16_t>(3).bytes(),
                  {"offset 0x4", "version needs 4 bytes but only 2 are left"});
  expect_rejected(std::vector<std::byte>{}, {"magic needs 4 bytes but only 0 are left"});
}

TEST_F(GgufValidation, RejectsUnsupportedVersions) {
  for (std::uint32_t v : {0u, 1u, 4u, 0xffffffffu}) {
    auto s = minimal_spec();
    s.version = v;
    expect_rejected(s, {"GGUF version " + std::to_string(v) + " is not supported"});
  }
}

TEST_F(GgufValidation, NamesBigEndianFiles) {
  auto s = minimal_spec();
  s.version = 0x03000000;
  expect_rejected(s, {"big-endian"});
}

TEST_F(GgufValidation, RejectsTensorCountLargerThanTheFileCanHold) {
  auto s = minimal_spec();
  s.tensor_count = huge;
  expect_rejected(s, {"tensor count 1152921504606846976 cannot fit"});
  // a count that the bytes after the header could hold, but not those after the metadata
  const std::uint64_t file_size = build_gguf(s).size();
  std::uint64_t kv_bytes = 0;
  for (const auto& kv : s.kvs) kv_bytes += 8 + kv.key.size() + 4 + kv.payload.size();
  const std::uint64_t count = (file_size - 24) / 24;
  ASSERT_GT(count, (file_size - 24 - kv_bytes) / 24);
  s.tensor_count = count;
  expect_rejected(s, {"tensor count " + std::to_string(count) + " cannot fit", "after the metadata"});
}

TEST_F(GgufValidation, RejectsMetadataCountLargerThanTheFileCanHold) {
  auto s = minimal_spec();
  s.kv_count = huge;
  expect_rejected(s, {"offset 0x10", "metadata count 1152921504606846976 cannot fit"});
}

TEST_F(GgufValidation, RejectsKeyLengthBeyondTheFileBeforeAllocating) {
  byte_buffer b;
  b.put_text("GGUF").put<std::uint32_t>(3).put<std::uint64_t>(0).put<std::uint64_t>(1);
  b.put<std::uint64_t>(huge).put_text("general.architecture").put<std::uint32_t>(gguf_u32).put<std::uint32_t>(1);
  expect_rejected(b.bytes(), {"offset 0x18", "key of metadata entry 0 length 1152921504606846976 exceeds the"});
}

TEST_F(GgufValidation, RejectsStringValueLengthBeyondTheFile) {
  auto s = minimal_spec();
  byte_buffer v;
  v.put<std::uint64_t>(huge).put_text("llama");
  s.kvs[0] = {"general.architecture", gguf_string, v};
  expect_rejected(s, {"key 'general.architecture': string value length 1152921504606846976 exceeds"});
}

TEST_F(GgufValidation, RejectsArrayLengthsBeyondTheFileBeforeAllocating) {
  for (auto [element, count] : {std::pair{gguf_u32, huge}, std::pair{gguf_string, huge},
                                std::pair{gguf_u32, std::numeric_limits<std::uint64_t>::max() / 2}}) {
    auto s = minimal_spec();
    byte_buffer v;
    v.put<std::uint32_t>(element).put<std::uint64_t>(count).put<std::uint64_t>(0);
    s.kvs.push_back({"x.list", gguf_array, v});
    expect_rejected(s, {"key 'x.list': array of " + std::to_string(count), "cannot fit in the"});
  }
}

TEST_F(GgufValidation, RejectsStringInsideArrayBeyondTheFile) {
  auto s = minimal_spec();
  byte_buffer v;
  v.put<std::uint32_t>(gguf_string).put<std::uint64_t>(2).put_gguf_string("ok").put<std::uint64_t>(huge);
  s.kvs.push_back({"tokenizer.ggml.merges", gguf_array, v});
  expect_rejected(s, {"key 'tokenizer.ggml.merges': array string length 1152921504606846976 exceeds"});
}

TEST_F(GgufValidation, RejectsNestedArrays) {
  auto s = minimal_spec();
  byte_buffer v;
  v.put<std::uint32_t>(gguf_array)
      .put<std::uint64_t>(1)
      .put<std::uint32_t>(gguf_u32)
      .put<std::uint64_t>(1)
      .put<std::uint32_t>(5);
  s.kvs.push_back({"x.nested", gguf_array, v});
  expect_rejected(s, {"key 'x.nested': nested arrays are not supported"});
}

TEST_F(GgufValidation, RejectsValueTypesNotBelowTheTypeCount) {
  auto s = minimal_spec();
  s.kvs.push_back({"x.odd", 13, byte_buffer().put<std::uint32_t>(0)});
  expect_rejected(s, {"key 'x.odd': value type 13 is not below the type count 13"});
  auto t = minimal_spec();
  t.kvs.push_back({"x.odd", gguf_array, byte_buffer().put<std::uint32_t>(99).put<std::uint64_t>(0)});
  expect_rejected(t, {"key 'x.odd': array element type 99 is not below the type count 13"});
}

TEST_F(GgufValidation, RejectsBoolsOtherThanZeroOrOne) {
  auto s = minimal_spec();
  s.kvs.push_back({"x.flag", gguf_bool, byte_buffer().put<std::uint8_t>(2)});
  expect_rejected(s, {"key 'x.flag': bool value 2"});
  auto t = minimal_spec();
  t.kvs.push_back({"x.flags", gguf_array,
                   byte_buffer()
                       .put<std::uint32_t>(gguf_bool)
                       .put<std::uint64_t>(3)
                       .put<std::uint8_t>(1)
                       .put<std::uint8_t>(0)
                       .put<std::uint8_t>(9)});
  expect_rejected(t, {"key 'x.flags': bool value 9 (element 2)"});
}

TEST_F(GgufValidation, RejectsDuplicateKeys) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_u32("llama.block_count", 3));
  expect_rejected(s, {"duplicate key 'llama.block_count'"});
}

TEST_F(GgufValidation, RejectsDuplicateTensorNames) {
  auto s = minimal_spec();
  s.tensors.push_back({"a", {4}, ggml_f32});
  expect_rejected(s, {"duplicate tensor name 'a'"});
}

TEST_F(GgufValidation, RejectsEmptyTensorNames) {
  auto s = minimal_spec();
  s.tensors[1].name = "";
  expect_rejected(s, {"tensor 1 has an empty name"});
}

TEST_F(GgufValidation, RejectsMoreThanFourDimensions) {
  auto s = minimal_spec();
  s.tensors[0].ne = {1, 1, 1, 2, 4};
  expect_rejected(s, {"tensor 'a': 5 dimensions, at most 4"});
  byte_buffer b;  // a dimension count far beyond the file
  b.put_text("GGUF").put<std::uint32_t>(3).put<std::uint64_t>(1).put<std::uint64_t>(0);
  b.put_gguf_string("t")
      .put<std::uint32_t>(0xffffffffu)
      .put<std::uint64_t>(4)
      .put<std::uint32_t>(0)
      .put<std::uint64_t>(0);
  expect_rejected(b.bytes(), {"offset 0x18", "tensor 't': 4294967295 dimensions, at most 4"});
}

TEST_F(GgufValidation, RejectsDimensionsThatAreNegativeAsInt64) {
  auto s = minimal_spec();
  s.tensors[0].ne = {4, std::numeric_limits<std::uint64_t>::max()};
  expect_rejected(s, {"tensor 'a': dimension 1 of shape [4, 18446744073709551615] is negative or too large"});
}

TEST_F(GgufValidation, RejectsElementCountOverflow) {
  auto s = minimal_spec();
  s.tensors[0].ne = {1ull << 32, 1ull << 32};
  expect_rejected(s, {"tensor 'a': element count of shape [4294967296, 4294967296] overflows int64"});
  auto t = minimal_spec();
  t.tensors[0].ne = {1ull << 40, 1ull << 20, 1ull << 4};
  expect_rejected(t, {"overflows int64"});
}

TEST_F(GgufValidation, RejectsByteSizeOverflow) {
  auto s = minimal_spec();  // 2^61 f32 elements fit int64, their 2^63 bytes do not
  s.tensors[0].ne = {1ull << 31, 1ull << 30};
  expect_rejected(s, {"tensor 'a': byte size overflows int64"});
}

TEST_F(GgufValidation, RejectsTypesNotBelowTheTypeCount) {
  for (std::uint32_t type : {42u, 1000u, 0xffffffffu}) {
    auto s = minimal_spec();
    s.tensors[1].type = type;
    expect_rejected(s, {"tensor 'b': type " + std::to_string(type) + " is not below the type count 42"});
  }
}

TEST_F(GgufValidation, RejectsTypeIdsThatGgmlRemoved) {
  for (std::uint32_t type : {4u, 5u, 31u, 36u}) {
    auto s = minimal_spec();
    s.tensors[1].type = type;
    expect_rejected(s, {"tensor 'b': type " + std::to_string(type) + " is not a known ggml type"});
  }
}

TEST_F(GgufValidation, RejectsRowsThatAreNotWholeBlocks) {
  auto s = minimal_spec();
  s.tensors[1].ne = {33, 2};
  expect_rejected(s, {"tensor 'b': row length 33 is not a multiple of q4_0's block size 32"});
  auto t = minimal_spec();
  t.tensors[1] = {"k", {128}, ggml_q6_k};
  expect_rejected(t, {"tensor 'k': row length 128 is not a multiple of q6_k's block size 256"});
}

TEST_F(GgufValidation, AcceptsAPowerOfTwoAlignment) {
  auto s = minimal_spec();
  s.alignment = 256;
  s.kvs.push_back(kv_u32("general.alignment", 256));
  gguf_file f(write(s));
  EXPECT_EQ(f.alignment(), 256u);
  EXPECT_EQ(f.data_offset() % 256, 0u);
  EXPECT_EQ(f.tensor("b").data.data() - f.bytes().data(), static_cast<std::ptrdiff_t>(f.data_offset() + 256));
}

TEST_F(GgufValidation, RejectsAlignmentsThatAreNotPowersOfTwoOrTooLarge) {
  for (std::uint32_t a : {0u, 48u, 1u << 21, 0x80000000u}) {
    auto s = minimal_spec();
    s.kvs.push_back(kv_u32("general.alignment", a));
    expect_rejected(s, {"key 'general.alignment': " + std::to_string(a) + " is not a power of two of at most 1048576"});
  }
}

TEST_F(GgufValidation, RejectsAlignmentOfAnotherType) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_i32("general.alignment", 32));
  expect_rejected(s, {"key 'general.alignment': is i32 32, expected u32"});
}

TEST_F(GgufValidation, RejectsOffsetsThatAreNotMultiplesOfTheAlignment) {
  auto s = minimal_spec();
  s.tensors[1].offset = 36;
  expect_rejected(s, {"tensor 'b': data offset 36 is not a multiple of the alignment 32"});
}

TEST_F(GgufValidation, RejectsTensorDataPastTheEndOfTheFile) {
  auto s = minimal_spec();
  s.data_slack = -1;
  expect_rejected(s, {"tensor 'b': data at offset 32 + 36 bytes lies outside the file"});
  auto t = minimal_spec();
  t.tensors[1].offset = 1ull << 40;
  expect_rejected(t, {"tensor 'b': data at offset 1099511627776 + 36 bytes lies outside the file"});
}

TEST_F(GgufValidation, RejectsOffsetsThatOverflowWhenAdded) {
  auto s = minimal_spec();
  s.tensors[1].offset = std::numeric_limits<std::uint64_t>::max() - 31;  // a multiple of 32
  expect_rejected(s, {"tensor 'b'", "lies outside the file"});
}

TEST_F(GgufValidation, RejectsTokenizerArraysOfTheWrongType) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_array<std::uint32_t>("tokenizer.ggml.tokens", gguf_u32, {1, 2, 3}));
  expect_rejected(s, {"key 'tokenizer.ggml.tokens': is array of 3 u32, expected an array of string"});
  auto t = minimal_spec();
  t.kvs.push_back(kv_string("tokenizer.ggml.merges", "a b"));
  expect_rejected(t, {"key 'tokenizer.ggml.merges': is string 'a b', expected an array of string"});
  auto u = minimal_spec();
  u.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "b"}));
  u.kvs.push_back(kv_array<float>("tokenizer.ggml.token_type", gguf_f32, {1.f, 1.f}));
  expect_rejected(u, {"key 'tokenizer.ggml.token_type': is array of 2 f32, expected an array of i32"});
}

TEST_F(GgufValidation, RejectsTokenizerArraysOfTheWrongLength) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "b", "c"}));
  s.kvs.push_back(kv_array<float>("tokenizer.ggml.scores", gguf_f32, {0.f, 1.f}));
  expect_rejected(s, {"key 'tokenizer.ggml.scores': has 2 entries but there are 3 tokens"});
  auto t = minimal_spec();
  t.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "b", "c"}));
  t.kvs.push_back(kv_array<std::int32_t>("tokenizer.ggml.token_type", 5, {1, 1, 1, 1}));
  expect_rejected(t, {"key 'tokenizer.ggml.token_type': has 4 entries but there are 3 tokens"});
}

TEST_F(GgufValidation, RejectsTokenIdsNotBelowTheVocabularySize) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "b", "c"}));
  s.kvs.push_back(kv_u32("tokenizer.ggml.bos_token_id", 2));
  s.kvs.push_back(kv_u32("tokenizer.ggml.eos_token_id", 3));
  expect_rejected(s, {"key 'tokenizer.ggml.eos_token_id': token id 3 is not below the vocabulary size 3"});
  auto t = minimal_spec();
  t.kvs.push_back(kv_i32("tokenizer.ggml.padding_token_id", -1));
  expect_rejected(t, {"key 'tokenizer.ggml.padding_token_id': is i32 -1, expected a non-negative integer token id"});
}

TEST_F(GgufValidation, AcceptsAConsistentTokenizer) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "b", "c"}));
  s.kvs.push_back(kv_array<float>("tokenizer.ggml.scores", gguf_f32, {0.f, -1.f, -2.f}));
  s.kvs.push_back(kv_array<std::int32_t>("tokenizer.ggml.token_type", 5, {1, 1, 3}));
  s.kvs.push_back(kv_string_array("tokenizer.ggml.merges", {"a b"}));
  s.kvs.push_back(kv_u32("tokenizer.ggml.bos_token_id", 2));
  gguf_file f(write(s));
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens").size(), 3u);
  EXPECT_EQ(f.get_f32_array("tokenizer.ggml.scores")[2], -2.f);
  EXPECT_EQ(f.get_i32_array("tokenizer.ggml.token_type")[2], 3);
}

// Every proper prefix of a valid file is rejected with load_error (nothing else thrown,
// nothing read out of bounds: run it under ASan).
TEST_F(GgufValidation, RejectsEveryTruncation) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "bb", "ccc"}));
  s.kvs.push_back(kv_array<float>("tokenizer.ggml.scores", gguf_f32, {0.f, -1.f, -2.f}));
  const auto full = build_gguf(s);
  ASSERT_NO_THROW(gguf_file(write(full)));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::vector<std::byte> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const auto path = write(prefix);
    EXPECT_THROW(gguf_file{path}, load_error) << "prefix of " << n << " bytes";
    std::filesystem::remove(path);
  }
}

// Any single corrupted byte either still parses or is rejected with load_error.
TEST_F(GgufValidation, SurvivesEverySingleByteCorruption) {
  auto s = minimal_spec();
  s.kvs.push_back(kv_string_array("tokenizer.ggml.tokens", {"a", "bb", "ccc"}));
  s.kvs.push_back(kv_u32("tokenizer.ggml.bos_token_id", 1));
  const auto full = build_gguf(s);
  int rejected = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    for (std::uint8_t value : {0x00, 0x7f, 0xff}) {
      auto bytes = full;
      bytes[i] = std::byte{value};
      const auto path = write(bytes);
      try {
        gguf_file f(path);
      } catch (const load_error&) {
        ++rejected;
      }
      std::filesystem::remove(path);
    }
  }
  EXPECT_GT(rejected, 100);  // most header bytes matter
}

}  // namespace
}  // namespace moeserve::model::testing
