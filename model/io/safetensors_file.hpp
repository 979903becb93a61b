#pragma once
// safetensors_file: a validated, memory-mapped .safetensors file.
//
// Layout:
//
//   u64 N (little-endian) | N bytes: UTF-8 JSON object (header) | data section
//   header: { "<name>": {"dtype": "BF16", "shape": [r, c], "data_offsets": [begin, end]},
//             ..., "__metadata__": {"<key>": "<string>", ...} }      (__metadata__ optional)
//   tensor bytes: data section [begin, end), row-major, little-endian
//
// The constructor checks everything before using it (REFERENCE.md, "Loader validation")
// and throws load_error naming the file and the tensor or part of the header:
//   - N <= max_header_bytes (100 MB) and N <= file size - 8, checked before reading it;
//   - the header is valid UTF-8 JSON and an object (simdjson); no duplicate names;
//   - each tensor: an object with a dtype from the fixed list (F64 F32 F16 BF16 I64 I32
//     I16 I8 U64 U32 U16 U8 BOOL F8_E4M3 F8_E5M2), a shape of at most 4 non-negative
//     integers, and data_offsets [begin, end] with begin <= end; end - begin equals
//     product(shape) x dtype size, overflow-checked; other fields are ignored;
//   - offsets sorted, contiguous and covering the data section exactly (no holes, no
//     overlaps, no trailing bytes);
//   - __metadata__: an object of string values.
// Parsing needs transient memory of roughly 10x the header (simdjson's tape and string
// buffers), bounded by the bytes the file actually has, never by a claimed count.
//
// Tensor data is not necessarily aligned (the header length is arbitrary): read it with
// memcpy or dequantize(), not through a reinterpret_cast to float*.
//
// Threading: immutable after construction; const members may be called from any thread.
// Views stay valid while the object lives, also across a move.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/io/mapped_file.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

class safetensors_file {
 public:
  static constexpr std::uint64_t max_header_bytes = 100'000'000;

  explicit safetensors_file(std::filesystem::path path);

  const std::filesystem::path& path() const { return file_.path(); }
  std::span<const std::byte> bytes() const { return file_.bytes(); }
  // Absolute offset of the data section: 8 + header length.
  std::uint64_t data_offset() const { return data_offset_; }

  // In data order (sorted by offset).
  std::span<const tensor_view> tensors() const { return tensors_; }
  const tensor_view* find_tensor(std::string_view name) const;
  const tensor_view& tensor(std::string_view name) const;  // throws load_error when absent

  // __metadata__, in header order.
  std::span<const std::pair<std::string, std::string>> metadata() const { return metadata_; }
  std::optional<std::string_view> find_metadata(std::string_view key) const;

 private:
  void parse();
  [[noreturn]] void fail(const std::string& what) const;

  mapped_file file_;
  std::uint64_t data_offset_ = 0;
  std::vector<std::string> names_;  // owns the names the views point to; never resized after parse
  std::vector<tensor_view> tensors_;
  std::unordered_map<std::string_view, std::size_t> index_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace moeserve::model
