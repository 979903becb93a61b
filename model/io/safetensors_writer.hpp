#pragma once
// safetensors_writer: writes a safetensors file, or a Hugging Face checkpoint directory of
// one file or several shards with model.safetensors.index.json -- what safetensors_file and
// safetensors_checkpoint read back.
//
// Tensors are declared first (name, dtype, shape) with a `fill` callback that produces the
// bytes later; the writer lays out the header, then calls each tensor's fill once, in data
// order, into a buffer of exactly that tensor's size and streams it to the file. So at most
// one tensor's bytes are in memory at a time: a large model is never held twice, and a
// quantizer can compute a tensor only when it is written.
//
// File layout (the format's rules, as safetensors' own writer makes them):
//
//   u64 N (LE) | header: N bytes of JSON, padded with spaces so N % 8 == 0 | data
//   header = {"__metadata__":{"k":"v",...},              (only when metadata was given)
//             "<name>":{"dtype":"F32","shape":[2,3],"data_offsets":[begin,end]}, ...}
//
//   Tensors are in name order (byte-wise) in the header and in the data, contiguous from
//   offset 0: tensor i's begin is tensor i-1's end. The data section then starts at an
//   8-byte-aligned file offset (8 + N).
//
// Sharding (write_checkpoint): tensors in name order are cut into shards of at most
// `max_shard_bytes` data bytes each (a tensor larger than that gets a shard of its own);
// one shard is written as model.safetensors, several as model-0000i-of-0000n.safetensors
// plus model.safetensors.index.json = {"metadata":{"total_size":T},"weight_map":{name:file}}
// (names sorted). Every shard carries the same __metadata__.
//
// Checks (std::invalid_argument naming the tensor): a dtype that safetensors can store
// (plain types, not ggml blocks), rank <= 4, non-negative dimensions, a byte size that fits
// int64, no duplicate names, no empty name, no name "__metadata__". I/O failures throw
// std::runtime_error naming the file. A fill that throws aborts the write (the partial file
// is left; callers write into a fresh directory).
//
// Threading: one thread per writer; fills run on the calling thread (a fill may itself
// use threads).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/io/dtype.hpp"

namespace moeserve::model {

class safetensors_writer {
 public:
  // Receives exactly the tensor's byte count; must fill all of it.
  using fill_function = std::function<void(std::span<std::byte>)>;

  // Declares a tensor; its bytes come from `fill` at write time.
  void add(std::string name, dtype type, std::vector<std::int64_t> shape, fill_function fill);
  // Declares a tensor whose bytes are already in memory (copied now).
  void add_bytes(std::string name, dtype type, std::vector<std::int64_t> shape, std::span<const std::byte> bytes);
  // A __metadata__ entry (string values only, as the format requires).
  void set_metadata(std::string key, std::string value);

  std::size_t tensor_count() const { return tensors_.size(); }
  std::uint64_t total_bytes() const;  // sum of the tensors' data bytes

  // The header bytes (u64 length + padded JSON) of a file holding `names` (all declared).
  std::vector<std::byte> header_bytes(std::span<const std::string> names) const;

  // One file with every tensor.
  void write_file(const std::filesystem::path& path) const;
  // A checkpoint directory (created if needed); returns the files written (shards, then
  // the index when sharded).
  std::vector<std::filesystem::path> write_checkpoint(const std::filesystem::path& directory,
                                                      std::uint64_t max_shard_bytes) const;

 private:
  struct entry {
    dtype type = dtype::f32;
    std::vector<std::int64_t> shape;
    std::uint64_t bytes = 0;
    fill_function fill;
  };
  void write_shard(const std::filesystem::path& path, std::span<const std::string> names) const;
  std::vector<std::string> sorted_names() const;

  std::map<std::string, entry> tensors_;  // name order = data order
  std::vector<std::pair<std::string, std::string>> metadata_;
};

// JSON string literal of `s` (quotes included; control characters, '"' and '\' escaped).
std::string json_quote(std::string_view s);

}  // namespace moeserve::model
