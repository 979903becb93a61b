// safetensors_checkpoint: sharded directories (model.safetensors.index.json), single-file
// checkpoints, and the consistency rules between an index and its shards.

#include "model/io/safetensors_checkpoint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "model/io/dequantize.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

using ::testing::ElementsAre;

// A shard holding F32 vectors `names[i]` = {i + 1, i + 1} each.
void write_shard(const std::filesystem::path& path, const std::vector<std::string>& names, float base = 0) {
  std::string header = "{";
  std::vector<std::byte> data;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) header += ", ";
    header += "\"" + names[i] + R"(": {"dtype": "F32", "shape": [2], "data_offsets": [)" + std::to_string(8 * i) +
              ", " + std::to_string(8 * i + 8) + "]}";
    const float v[2] = {base + static_cast<float>(i + 1), base + static_cast<float>(i + 1)};
    const auto* p = reinterpret_cast<const std::byte*>(v);
    data.insert(data.end(), p, p + 8);
  }
  header += "}";
  byte_buffer b;
  b.put<std::uint64_t>(header.size()).put_text(header).put_bytes(data);
  write_file(path, b.bytes());
}

std::string index_json(const std::vector<std::pair<std::string, std::string>>& map) {
  std::string s = R"({"metadata": {"total_size": 0}, "weight_map": {)";
  for (std::size_t i = 0; i < map.size(); ++i) {
    s += (i ? ", " : "") + std::string("\"") + map[i].first + "\": \"" + map[i].second + "\"";
  }
  return s + "}}";
}

class SafetensorsCheckpoint : public ::testing::Test {
 protected:
  void write_two_shards() {
    write_shard(dir_ / "model-00001-of-00002.safetensors", {"embed", "layer.0"}, 0);
    write_shard(dir_ / "model-00002-of-00002.safetensors", {"layer.1", "norm"}, 10);
  }
  std::vector<std::pair<std::string, std::string>> full_map() const {
    return {{"embed", "model-00001-of-00002.safetensors"},
            {"layer.0", "model-00001-of-00002.safetensors"},
            {"layer.1", "model-00002-of-00002.safetensors"},
            {"norm", "model-00002-of-00002.safetensors"}};
  }
  std::filesystem::path index_path() const { return dir_ / "model.safetensors.index.json"; }

  temp_dir dir_;
};

TEST_F(SafetensorsCheckpoint, LooksUpTensorsAcrossShards) {
  write_two_shards();
  write_file(index_path(), index_json(full_map()));
  safetensors_checkpoint c(dir_.path());
  EXPECT_EQ(c.shards().size(), 2u);
  EXPECT_EQ(c.tensor_count(), 4u);
  EXPECT_EQ(c.total_bytes(), 32u);
  EXPECT_THAT(dequantize(c.tensor("embed")), ElementsAre(1, 1));
  EXPECT_THAT(dequantize(c.tensor("layer.0")), ElementsAre(2, 2));
  EXPECT_THAT(dequantize(c.tensor("layer.1")), ElementsAre(11, 11));
  EXPECT_THAT(dequantize(c.tensor("norm")), ElementsAre(12, 12));
  EXPECT_EQ(c.find_tensor("missing"), nullptr);
  expect_load_error([&] { c.tensor("missing"); }, {dir_.path().string(), "no tensor named 'missing'"});
  // the index path itself works too, and views survive a move of the checkpoint
  safetensors_checkpoint by_index(index_path());
  const tensor_view* norm = by_index.find_tensor("norm");
  safetensors_checkpoint moved(std::move(by_index));
  EXPECT_EQ(moved.find_tensor("norm"), norm);
  EXPECT_EQ(moved.tensors().size(), 4u);
}

TEST_F(SafetensorsCheckpoint, OpensASingleFileDirectoryOrFile) {
  write_shard(dir_ / "model.safetensors", {"w", "b"});
  safetensors_checkpoint by_dir(dir_.path());
  EXPECT_EQ(by_dir.tensor_count(), 2u);
  EXPECT_THAT(dequantize(by_dir.tensor("b")), ElementsAre(2, 2));
  safetensors_checkpoint by_file(dir_ / "model.safetensors");
  EXPECT_EQ(by_file.tensor_count(), 2u);
}

TEST_F(SafetensorsCheckpoint, RejectsADirectoryWithoutWeights) {
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); },
                    {dir_.path().string(), "neither model.safetensors.index.json nor model.safetensors"});
}

TEST_F(SafetensorsCheckpoint, RejectsAMissingShard) {
  write_shard(dir_ / "model-00001-of-00002.safetensors", {"embed", "layer.0"});
  write_file(index_path(), index_json(full_map()));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); },
                    {"model-00002-of-00002.safetensors", "cannot open", "No such file or directory"});
}

TEST_F(SafetensorsCheckpoint, RejectsShardNamesOutsideTheDirectory) {
  write_two_shards();
  for (std::string bad : {"../model-00001-of-00002.safetensors", "/etc/passwd", "sub/x.safetensors", "..", ""}) {
    auto map = full_map();
    map[0].second = bad;
    write_file(index_path(), index_json(map));
    expect_load_error(
        [&] { safetensors_checkpoint c(dir_.path()); },
        {index_path().string(), "weight_map entry 'embed': shard '" + bad + "' is not a plain file name"});
  }
}

TEST_F(SafetensorsCheckpoint, RejectsIndexEntriesThatTheShardLacks) {
  write_two_shards();
  auto map = full_map();
  map.emplace_back("ghost", "model-00002-of-00002.safetensors");
  write_file(index_path(), index_json(map));
  expect_load_error(
      [&] { safetensors_checkpoint c(dir_.path()); },
      {"tensor 'ghost' is listed in shard 'model-00002-of-00002.safetensors' but that shard does not have it"});
}

TEST_F(SafetensorsCheckpoint, RejectsShardTensorsMissingFromTheIndex) {
  write_two_shards();
  auto map = full_map();
  map.pop_back();
  write_file(index_path(), index_json(map));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); },
                    {"tensor 'norm' of shard 'model-00002-of-00002.safetensors' is not listed for that shard"});
}

TEST_F(SafetensorsCheckpoint, RejectsATensorInTwoShards) {
  write_shard(dir_ / "a.safetensors", {"x", "y"});
  write_shard(dir_ / "b.safetensors", {"x"});
  // both shards are opened (x names b, y names a), and a's x is in no entry for a
  write_file(index_path(), index_json({{"x", "b.safetensors"}, {"y", "a.safetensors"}}));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); },
                    {"tensor 'x' of shard 'a.safetensors' is not listed for that shard"});
}

TEST_F(SafetensorsCheckpoint, RejectsDuplicateIndexEntries) {
  write_two_shards();
  auto map = full_map();
  map.emplace_back("embed", "model-00001-of-00002.safetensors");
  write_file(index_path(), index_json(map));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); }, {"weight_map lists tensor 'embed' twice"});
}

TEST_F(SafetensorsCheckpoint, RejectsMalformedIndexes) {
  write_two_shards();
  write_file(index_path(), std::string_view(R"({"weight_map": )"));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); }, {index_path().string(), "not valid UTF-8 JSON"});
  write_file(index_path(), std::string_view(R"({"metadata": {}})"));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); }, {"no object 'weight_map'"});
  write_file(index_path(), std::string_view(R"({"weight_map": {"embed": 3}})"));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); }, {"weight_map entry 'embed' is not a string"});
}

TEST_F(SafetensorsCheckpoint, ReportsACorruptShardByItsPath) {
  write_two_shards();
  write_file(dir_ / "model-00002-of-00002.safetensors", std::string_view("\x02\x00\x00\x00\x00\x00\x00\x00[]", 10));
  write_file(index_path(), index_json(full_map()));
  expect_load_error([&] { safetensors_checkpoint c(dir_.path()); },
                    {"model-00002-of-00002.safetensors", "header is not a JSON object"});
}

}  // namespace
}  // namespace moeserve::model::testing
