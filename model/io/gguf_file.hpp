#pragma once
// gguf_file: a validated, memory-mapped GGUF file (versions 2 and 3, little-endian).
//
// Layout (all integers little-endian):
//
//   magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count x  { string key | u32 value type | value }          string = u64 length + bytes
//   tensor_count x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset }
//   padding to `alignment` (general.alignment, u32, default 32)
//   data section: tensor i at data_offset() + offset_i (offsets multiples of alignment)
//
// The constructor checks everything before using it (see REFERENCE.md, "Loader
// validation"); any failure throws load_error naming the file, the offset or key or
// tensor, and what was wrong:
//   - magic; version 2 or 3 (big-endian files are named as such and rejected);
//   - every count and string length against the bytes left, before anything is allocated
//     for it (a corrupt file never causes an allocation larger than the file);
//   - value types below the type count; no nested arrays; bools 0 or 1; no duplicate keys;
//   - general.alignment: a u32 power of two, at most max_alignment;
//   - known tokenizer arrays typed as expected (tokens and merges: strings; scores: f32;
//     token_type: integers; scores/token_type as long as tokens), and every
//     tokenizer.ggml.*_token_id an integer below the vocabulary size;
//   - per tensor: a non-empty, unique name; at most 4 dimensions, each below 2^63; the
//     element count and byte size overflow-checked; a known ggml type below the type
//     count; a row length that is a multiple of the type's block size; an offset that is
//     a multiple of the alignment, with offset + size inside the file.
//
// Accessors that read metadata (get_u32, get_string_array, ...) throw load_error when the
// key is missing or its value is not of the expected type (see gguf_value for the
// conversion rules); the find_* variants return nullopt for a missing key but still throw
// for a value of the wrong type.
//
// Threading: immutable after construction; every const member may be called from any
// thread. Views (tensor_view, string_view, gguf_value) stay valid while the object lives,
// also across a move.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/io/gguf_value.hpp"
#include "model/io/mapped_file.hpp"
#include "model/io/tensor_view.hpp"

namespace moeserve::model {

class gguf_file {
 public:
  static constexpr std::uint32_t default_alignment = 32;
  static constexpr std::uint32_t max_alignment = 1u << 20;

  struct entry {
    std::string_view key;
    gguf_value value;
  };

  explicit gguf_file(std::filesystem::path path);

  const std::filesystem::path& path() const { return file_.path(); }
  std::span<const std::byte> bytes() const { return file_.bytes(); }
  std::uint32_t version() const { return version_; }
  std::uint32_t alignment() const { return alignment_; }
  // Absolute offset of the data section (aligned); tensor offsets are relative to it.
  std::uint64_t data_offset() const { return data_offset_; }

  // --- metadata -------------------------------------------------------------------------
  std::span<const entry> metadata() const { return entries_; }  // in file order
  const gguf_value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  template <gguf_scalar T>
  T get(std::string_view key) const;
  template <gguf_scalar T>
  std::optional<T> find_as(std::string_view key) const;
  // Every element of an array converted to T (numbers; for strings use get_string_array).
  template <gguf_scalar T>
  std::vector<T> get_array(std::string_view key) const;

  std::uint32_t get_u32(std::string_view key) const { return get<std::uint32_t>(key); }
  std::uint64_t get_u64(std::string_view key) const { return get<std::uint64_t>(key); }
  std::int32_t get_i32(std::string_view key) const { return get<std::int32_t>(key); }
  float get_f32(std::string_view key) const { return get<float>(key); }
  bool get_bool(std::string_view key) const { return get<bool>(key); }
  std::string_view get_string(std::string_view key) const { return get<std::string_view>(key); }
  std::optional<std::uint32_t> find_u32(std::string_view key) const { return find_as<std::uint32_t>(key); }
  std::optional<float> find_f32(std::string_view key) const { return find_as<float>(key); }
  std::optional<bool> find_bool(std::string_view key) const { return find_as<bool>(key); }
  std::optional<std::string_view> find_string(std::string_view key) const { return find_as<std::string_view>(key); }

  std::span<const std::string_view> get_string_array(std::string_view key) const;
  std::optional<std::span<const std::string_view>> find_string_array(std::string_view key) const;
  std::vector<float> get_f32_array(std::string_view key) const { return get_array<float>(key); }
  std::vector<std::int32_t> get_i32_array(std::string_view key) const { return get_array<std::int32_t>(key); }

  // --- tensors --------------------------------------------------------------------------
  std::span<const tensor_view> tensors() const { return tensors_; }  // in file order
  const tensor_view* find_tensor(std::string_view name) const;
  const tensor_view& tensor(std::string_view name) const;  // throws load_error when absent

 private:
  void parse();
  void validate_tokenizer() const;
  [[noreturn]] void fail_key(std::string_view key, const std::string& what) const;
  const gguf_value& require(std::string_view key) const;

  mapped_file file_;
  std::uint32_t version_ = 0;
  std::uint32_t alignment_ = default_alignment;
  std::uint64_t data_offset_ = 0;
  std::vector<entry> entries_;
  std::unordered_map<std::string_view, std::size_t> entry_index_;
  std::vector<tensor_view> tensors_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;
};

}  // namespace moeserve::model
