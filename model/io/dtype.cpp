#include "model/io/dtype.hpp"

#include <array>

#include "model/io/checked_math.hpp"

namespace moeserve::model {
namespace {

constexpr std::int64_t qk_k = 256;  // super-block of the k-quants

// Indexed by dtype; the order must match the enum (checked below).
constexpr std::array<dtype_traits, dtype_count> table{{
    {"f32", 1, 4, 0, "F32"},
    {"f16", 1, 2, 1, "F16"},
    {"bf16", 1, 2, 30, "BF16"},
    {"f64", 1, 8, 28, "F64"},
    {"i8", 1, 1, 24, "I8"},
    {"i16", 1, 2, 25, "I16"},
    {"i32", 1, 4, 26, "I32"},
    {"i64", 1, 8, 27, "I64"},
    {"u8", 1, 1, -1, "U8"},
    {"u16", 1, 2, -1, "U16"},
    {"u32", 1, 4, -1, "U32"},
    {"u64", 1, 8, -1, "U64"},
    {"bool", 1, 1, -1, "BOOL"},
    {"f8_e4m3", 1, 1, -1, "F8_E4M3"},
    {"f8_e5m2", 1, 1, -1, "F8_E5M2"},
    {"q4_0", 32, 2 + 16, 2, ""},
    {"q4_1", 32, 2 + 2 + 16, 3, ""},
    {"q5_0", 32, 2 + 4 + 16, 6, ""},
    {"q5_1", 32, 2 + 2 + 4 + 16, 7, ""},
    {"q8_0", 32, 2 + 32, 8, ""},
    {"q8_1", 32, 4 + 4 + 32, 9, ""},
    {"q2_k", qk_k, 2 + 2 + qk_k / 16 + qk_k / 4, 10, ""},
    {"q3_k", qk_k, 2 + qk_k / 4 + qk_k / 8 + 12, 11, ""},
    {"q4_k", qk_k, 2 + 2 + qk_k / 2 + 12, 12, ""},
    {"q5_k", qk_k, 2 + 2 + qk_k / 2 + qk_k / 8 + 12, 13, ""},
    {"q6_k", qk_k, 2 + qk_k / 2 + qk_k / 4 + qk_k / 16, 14, ""},
    {"q8_k", qk_k, 4 + qk_k + qk_k / 8, 15, ""},
    {"iq2_xxs", qk_k, 2 + qk_k / 4, 16, ""},
    {"iq2_xs", qk_k, 2 + qk_k / 4 + qk_k / 32, 17, ""},
    {"iq3_xxs", qk_k, 2 + qk_k / 4 + qk_k / 8, 18, ""},
    {"iq1_s", qk_k, 2 + qk_k / 8 + qk_k / 16, 19, ""},
    {"iq4_nl", 32, 2 + 16, 20, ""},
    {"iq3_s", qk_k, 2 + qk_k / 4 + qk_k / 8 + qk_k / 32 + 4, 21, ""},
    {"iq2_s", qk_k, 2 + qk_k / 4 + qk_k / 16, 22, ""},
    {"iq4_xs", qk_k, 2 + 2 + qk_k / 2 + qk_k / 64, 23, ""},
    {"iq1_m", qk_k, qk_k / 8 + qk_k / 16 + qk_k / 32, 29, ""},
    {"tq1_0", qk_k, 2 + 4 * 13, 34, ""},
    {"tq2_0", qk_k, 2 + 64, 35, ""},
    {"mxfp4", 32, 1 + 16, 39, ""},
    {"nvfp4", 64, 4 + 32, 40, ""},
    {"q1_0", 128, 2 + 16, 41, ""},
}};

static_assert(table[static_cast<int>(dtype::f8_e5m2)].safetensors_name == "F8_E5M2");
static_assert(table[static_cast<int>(dtype::q4_0)].ggml_id == 2);
static_assert(table[static_cast<int>(dtype::q6_k)].ggml_id == 14 &&
              table[static_cast<int>(dtype::q6_k)].block_bytes == 210);
static_assert(table[static_cast<int>(dtype::iq1_m)].ggml_id == 29);
static_assert(table[static_cast<int>(dtype::q1_0)].ggml_id == static_cast<std::int32_t>(ggml_type_count) - 1);

// ggml id -> dtype index + 1 (0: unknown id).
constexpr std::array<std::uint8_t, ggml_type_count> ggml_lookup = [] {
  std::array<std::uint8_t, ggml_type_count> r{};
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].ggml_id >= 0) r[static_cast<std::size_t>(table[i].ggml_id)] = static_cast<std::uint8_t>(i + 1);
  }
  return r;
}();

}  // namespace

const dtype_traits& traits(dtype t) { return table[static_cast<std::size_t>(t)]; }

std::optional<dtype> dtype_from_ggml(std::uint32_t id) {
  if (id >= ggml_type_count || ggml_lookup[id] == 0) return std::nullopt;
  return static_cast<dtype>(ggml_lookup[id] - 1);
}

std::optional<dtype> dtype_from_safetensors(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].safetensors_name == name) return static_cast<dtype>(i);
  }
  return std::nullopt;
}

std::optional<std::int64_t> row_bytes(dtype t, std::int64_t elements) {
  const dtype_traits& tr = traits(t);
  if (elements < 0 || elements % tr.block_elements != 0) return std::nullopt;
  return checked_mul(elements / tr.block_elements, tr.block_bytes);
}

}  // namespace moeserve::model
