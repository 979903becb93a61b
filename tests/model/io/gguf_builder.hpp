#pragma once
// gguf_builder: writes GGUF bytes from a plain description, so that tests can make valid
// files and corrupt exactly one thing (a count, a length, a type, an offset, ...).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/io/dtype.hpp"
#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {

struct gguf_kv_spec {
  std::string key;
  std::uint32_t type;   // GGUF value type id
  byte_buffer payload;  // the encoded value after the type
};

inline gguf_kv_spec kv_u32(std::string key, std::uint32_t v) {
  byte_buffer b;
  b.put(v);
  return {std::move(key), 4, b};
}
inline gguf_kv_spec kv_i32(std::string key, std::int32_t v) {
  byte_buffer b;
  b.put(v);
  return {std::move(key), 5, b};
}
inline gguf_kv_spec kv_string(std::string key, std::string_view v) {
  byte_buffer b;
  b.put_gguf_string(v);
  return {std::move(key), 8, b};
}
inline gguf_kv_spec kv_string_array(std::string key, const std::vector<std::string>& v) {
  byte_buffer b;
  b.put<std::uint32_t>(8).put<std::uint64_t>(v.size());
  for (const auto& s : v) b.put_gguf_string(s);
  return {std::move(key), 9, b};
}
template <class T>
gguf_kv_spec kv_array(std::string key, std::uint32_t element_type, const std::vector<T>& v) {
  byte_buffer b;
  b.put<std::uint32_t>(element_type).put<std::uint64_t>(v.size());
  for (const T& x : v) b.put(x);
  return {std::move(key), 9, b};
}

struct gguf_tensor_spec {
  std::string name;
  std::vector<std::uint64_t> ne;        // ggml order: ne[0] is the row length
  std::uint32_t type = 0;               // ggml type id (0 = f32)
  std::optional<std::uint64_t> offset;  // default: after the previous tensor, aligned
};

struct gguf_spec {
  std::string magic = "GGUF";
  std::uint32_t version = 3;
  std::optional<std::uint64_t> tensor_count;  // written instead of tensors.size()
  std::optional<std::uint64_t> kv_count;      // written instead of kvs.size()
  std::vector<gguf_kv_spec> kvs;
  std::vector<gguf_tensor_spec> tensors;
  std::uint32_t alignment = 32;  // padding and default offsets (add general.alignment yourself)
  std::int64_t data_slack = 0;   // bytes added to (negative: cut from) the data section
};

// The byte size of a tensor per our dtype table; 0 when it has none or is huge (an invalid
// spec, whose data the builder does not write).
inline std::uint64_t spec_tensor_bytes(const gguf_tensor_spec& t) {
  auto type = dtype_from_ggml(t.type);
  if (!type) return 0;
  std::uint64_t elements = 1;
  for (auto d : t.ne) {
    if (d >= (1ull << 30) || elements >= (1ull << 30)) return 0;
    elements *= d;
  }
  const auto& tr = traits(*type);
  const auto block = static_cast<std::uint64_t>(tr.block_elements);
  return elements % block == 0 ? elements / block * static_cast<std::uint64_t>(tr.block_bytes) : 0;
}

// Tensor data bytes follow the pattern (i * 7 + 3) & 0xff, i counted from the data start.
inline std::vector<std::byte> build_gguf(const gguf_spec& spec) {
  byte_buffer b;
  b.put_text(spec.magic);
  b.put(spec.version);
  b.put<std::uint64_t>(spec.tensor_count.value_or(spec.tensors.size()));
  b.put<std::uint64_t>(spec.kv_count.value_or(spec.kvs.size()));
  for (const auto& kv : spec.kvs) {
    b.put_gguf_string(kv.key);
    b.put(kv.type);
    b.put_bytes(kv.payload.bytes());
  }
  std::uint64_t next = 0;
  std::uint64_t data_end = 0;
  for (const auto& t : spec.tensors) {
    b.put_gguf_string(t.name);
    b.put<std::uint32_t>(static_cast<std::uint32_t>(t.ne.size()));
    for (auto d : t.ne) b.put(d);
    b.put(t.type);
    const std::uint64_t offset = t.offset.value_or(next);
    b.put(offset);
    const std::uint64_t size = spec_tensor_bytes(t);
    next = (offset + size + spec.alignment - 1) / spec.alignment * spec.alignment;
    if (offset < (1ull << 30) && offset + size > data_end) data_end = offset + size;
  }
  b.pad_to(spec.alignment);
  const auto data_size = static_cast<std::int64_t>(data_end) + spec.data_slack;
  for (std::int64_t i = 0; i < data_size; ++i) b.put(static_cast<std::uint8_t>((i * 7 + 3) & 0xff));
  if (data_size < 0) b.bytes().resize(b.size() - static_cast<std::size_t>(-data_size));
  return b.bytes();
}

}  // namespace moeserve::model::testing
