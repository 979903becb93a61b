#pragma once
// safetensors_checkpoint: a Hugging Face checkpoint of one or more safetensors shards,
// with tensors looked up by name across shards.
//
// Accepted forms of `path`:
//   - a directory with model.safetensors.index.json (sharded; it wins when both exist),
//   - a directory with model.safetensors (single file),
//   - the path of an *.index.json file, or of a single *.safetensors file.
//
// The index is {"metadata": {...}, "weight_map": {"<tensor>": "<shard file name>", ...}}.
// Checks (load_error naming the file and the tensor or shard):
//   - the index is at most safetensors_file::max_header_bytes, valid UTF-8 JSON, an object
//     with an object "weight_map" of strings; no duplicate tensor names;
//   - shard names are plain file names in the index's directory (no '/', '\', "." or
//     "..": an index cannot reach outside its directory);
//   - every shard opens and validates as a safetensors_file;
//   - every tensor of the weight map is in the shard it names, and every tensor of every
//     shard is listed in the weight map for that shard (so no name is in two shards).
//
// Threading: immutable after construction; const members may be called from any thread.
// Views stay valid while the object lives, also across a move.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/io/safetensors_file.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

class safetensors_checkpoint {
 public:
  static constexpr std::string_view index_file_name = "model.safetensors.index.json";
  static constexpr std::string_view single_file_name = "model.safetensors";

  explicit safetensors_checkpoint(const std::filesystem::path& path);

  std::span<const safetensors_file> shards() const { return shards_; }
  // Every tensor, shard by shard, in each shard's data order.
  std::span<const tensor_view* const> tensors() const { return tensors_; }
  std::size_t tensor_count() const { return tensors_.size(); }
  // Sum of the tensors' bytes.
  std::uint64_t total_bytes() const;

  const tensor_view* find_tensor(std::string_view name) const;
  const tensor_view& tensor(std::string_view name) const;  // throws load_error when absent

 private:
  void open_index(const std::filesystem::path& index_path);

  std::filesystem::path path_;
  std::vector<safetensors_file> shards_;
  std::vector<const tensor_view*> tensors_;
  std::unordered_map<std::string_view, const tensor_view*> index_;
};

}  // namespace moeserve::model
