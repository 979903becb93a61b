#pragma once
// dtype: the element types of weight tensors, for both GGUF and safetensors files.
//
// A dtype is stored in blocks: `block_elements` consecutive elements of a row take
// `block_bytes` bytes. Plain types have blocks of one element (f32: 1 element, 4 bytes);
// ggml's quantized types have blocks of 32 or 256 elements (q4_0: 32 elements in 18
// bytes). A row's length must be a multiple of block_elements.
//
// GGUF files name types by ggml's numeric ids (dtype_from_ggml); safetensors headers by
// strings such as "BF16" (dtype_from_safetensors). The ggml ids and block sizes follow
// ggml.h / gguf-py's GGML_QUANT_SIZES (gguf 0.19.0); ids that ggml removed (31-33, 36-38)
// are unknown.

#include <cstdint>
#include <optional>
#include <string_view>

namespace moeserve::model {

enum class dtype : std::uint8_t {
  // plain types
  f32,
  f16,
  bf16,
  f64,
  i8,
  i16,
  i32,
  i64,
  u8,
  u16,
  u32,
  u64,
  boolean,
  f8_e4m3,
  f8_e5m2,
  // ggml block types
  q4_0,
  q4_1,
  q5_0,
  q5_1,
  q8_0,
  q8_1,
  q2_k,
  q3_k,
  q4_k,
  q5_k,
  q6_k,
  q8_k,
  iq2_xxs,
  iq2_xs,
  iq3_xxs,
  iq1_s,
  iq4_nl,
  iq3_s,
  iq2_s,
  iq4_xs,
  iq1_m,
  tq1_0,
  tq2_0,
  mxfp4,
  nvfp4,
  q1_0,
};

inline constexpr int dtype_count = static_cast<int>(dtype::q1_0) + 1;

// ggml's type ids run from 0 to ggml_type_count - 1 (some ids inside are unused).
inline constexpr std::uint32_t ggml_type_count = 42;

struct dtype_traits {
  std::string_view name;              // our name, e.g. "q4_k"
  std::int64_t block_elements;        // elements per block (1 for plain types)
  std::int64_t block_bytes;           // bytes per block
  std::int32_t ggml_id;               // ggml's type id, -1 when GGUF has no such type
  std::string_view safetensors_name;  // e.g. "BF16", empty when safetensors has no such type
};

const dtype_traits& traits(dtype t);
inline std::string_view name(dtype t) { return traits(t).name; }

// The dtype of ggml type id `id`, or nullopt when the id is unknown.
std::optional<dtype> dtype_from_ggml(std::uint32_t id);

// The dtype named `name` in a safetensors header ("F32", "BF16", "F8_E4M3", ...), or nullopt.
std::optional<dtype> dtype_from_safetensors(std::string_view name);

// Bytes taken by one row of `elements` elements: nullopt when `elements` is negative, not a
// multiple of the block size, or the product overflows int64.
std::optional<std::int64_t> row_bytes(dtype t, std::int64_t elements);

}  // namespace moeserve::model
