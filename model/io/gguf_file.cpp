#include "model/io/gguf_file.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "model/io/byte_reader.hpp"
#include "model/io/checked_math.hpp"
#include "model/io/load_error.hpp"

namespace moeserve::model {
namespace {

// The smallest encodings, used to bound counts by the bytes left before reserving.
constexpr std::uint64_t min_kv_bytes = 8 + 4 + 1;               // empty key, type, 1-byte value
constexpr std::uint64_t min_tensor_info_bytes = 8 + 4 + 4 + 8;  // empty name, n_dims 0, type, offset
constexpr std::uint64_t string_header_bytes = 8;

template <class T>
constexpr std::string_view scalar_name() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return "u8";
  if constexpr (std::is_same_v<T, std::int8_t>) return "i8";
  if constexpr (std::is_same_v<T, std::uint16_t>) return "u16";
  if constexpr (std::is_same_v<T, std::int16_t>) return "i16";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "u32";
  if constexpr (std::is_same_v<T, std::int32_t>) return "i32";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "u64";
  if constexpr (std::is_same_v<T, std::int64_t>) return "i64";
  if constexpr (std::is_same_v<T, float>) return "f32";
  if constexpr (std::is_same_v<T, double>) return "f64";
  if constexpr (std::is_same_v<T, bool>) return "bool";
  if constexpr (std::is_same_v<T, std::string_view>) return "string";
}

bool is_integer(gguf_type t) {
  switch (t) {
    case gguf_type::u8:
    case gguf_type::i8:
    case gguf_type::u16:
    case gguf_type::i16:
    case gguf_type::u32:
    case gguf_type::i32:
    case gguf_type::u64:
    case gguf_type::i64:
      return true;
    default:
      return false;
  }
}

// Reserves room for `count` elements, but never more than `bytes_left` bytes at once: a
// count was checked against the file's encoding, whose elements may be smaller than ours.
template <class C>
void reserve_bounded(C& c, std::uint64_t count, std::uint64_t bytes_left, std::size_t element_bytes) {
  c.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, bytes_left / element_bytes)));
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

void check_bools(byte_reader& r, std::size_t at, std::span<const std::byte> raw, std::string_view key) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto b = std::to_integer<unsigned>(raw[i]);
    if (b > 1) {
      r.fail_at(at, "key " + in_quotes(key) + ": bool value " + std::to_string(b) + " (element " + std::to_string(i) +
                        ") is neither 0 nor 1");
    }
  }
}

gguf_type read_type(byte_reader& r, std::string_view key, std::string_view what) {
  const std::size_t at = r.offset();
  const auto id = r.read<std::uint32_t>(what);
  if (id >= gguf_type_count) {
    r.fail_at(at, "key " + in_quotes(key) + ": " + std::string(what) + " " + std::to_string(id) +
                      " is not below the type count " + std::to_string(gguf_type_count));
  }
  return static_cast<gguf_type>(id);
}

gguf_value read_value(byte_reader& r, std::string_view key) {
  const std::size_t at = r.offset();
  const gguf_type t = read_type(r, key, "value type");
  if (t == gguf_type::string) {
    std::string_view s = r.read_string("key " + in_quotes(key) + ": string value");
    return gguf_value(t, t, 1, {}, {s});
  }
  if (t != gguf_type::array) {
    auto raw = r.take(fixed_size(t), "key " + in_quotes(key) + ": " + std::string(name(t)) + " value");
    if (t == gguf_type::boolean) check_bools(r, at, raw, key);
    return gguf_value(t, t, 1, raw, {});
  }
  const gguf_type et = read_type(r, key, "array element type");
  if (et == gguf_type::array) r.fail_at(at, "key " + in_quotes(key) + ": nested arrays are not supported");
  const std::size_t count_at = r.offset();
  const auto n = r.read<std::uint64_t>("key " + in_quotes(key) + ": array length");
  const std::uint64_t min_element = et == gguf_type::string ? string_header_bytes : fixed_size(et);
  if (n > r.left() / min_element) {
    r.fail_at(count_at, "key " + in_quotes(key) + ": array of " + std::to_string(n) + " " + std::string(name(et)) +
                            " cannot fit in the " + std::to_string(r.left()) + " bytes left");
  }
  if (et == gguf_type::string) {
    std::vector<std::string_view> strings;
    reserve_bounded(strings, n, r.left(), sizeof(std::string_view));
    const std::string what = "key " + in_quotes(key) + ": array string";
    for (std::uint64_t i = 0; i < n; ++i) strings.push_back(r.read_string(what));
    return gguf_value(t, et, n, {}, std::move(strings));
  }
  auto raw = r.take(static_cast<std::size_t>(n * min_element), "key " + in_quotes(key) + ": array data");
  if (et == gguf_type::boolean) check_bools(r, at, raw, key);
  return gguf_value(t, et, n, raw, {});
}

std::string shape_string(const std::uint64_t* ne, std::uint32_t n_dims) {
  std::string s = "[";
  for (std::uint32_t j = 0; j < n_dims; ++j) s += (j ? ", " : "") + std::to_string(ne[j]);
  return s + "]";
}

}  // namespace

gguf_file::gguf_file(std::filesystem::path path) : file_(std::move(path)) {
  parse();
  validate_tokenizer();
}

void gguf_file::parse() {
  const std::string file_name = path().string();
  byte_reader r(file_.bytes(), file_name);

  auto magic = r.take(4, "magic");
  if (std::memcmp(magic.data(), "GGUF", 4) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", std::to_integer<unsigned>(magic[0]),
                  std::to_integer<unsigned>(magic[1]), std::to_integer<unsigned>(magic[2]),
                  std::to_integer<unsigned>(magic[3]));
    r.fail_at(0, std::string("bad magic (bytes ") + hex + "), not a GGUF file");
  }
  version_ = r.read<std::uint32_t>("version");
  if (version_ != 2 && version_ != 3) {
    const std::uint32_t swapped = __builtin_bswap32(version_);
    if (swapped == 2 || swapped == 3) r.fail_at(4, "big-endian GGUF files are not supported");
    r.fail_at(4, "GGUF version " + std::to_string(version_) + " is not supported (only 2 and 3)");
  }
  const auto tensor_count = r.read<std::uint64_t>("tensor count");
  const std::size_t kv_count_at = r.offset();
  const auto kv_count = r.read<std::uint64_t>("metadata count");
  if (kv_count > r.left() / min_kv_bytes) {
    r.fail_at(kv_count_at, "metadata count " + std::to_string(kv_count) + " cannot fit in the " +
                               std::to_string(r.left()) + " bytes left");
  }
  if (tensor_count > r.left() / min_tensor_info_bytes) {
    r.fail_at(8, "tensor count " + std::to_string(tensor_count) + " cannot fit in the " + std::to_string(r.left()) +
                     " bytes left");
  }

  // --- metadata ---
  reserve_bounded(entries_, kv_count, r.left(), sizeof(entry));
  reserve_bounded(entry_index_, kv_count, r.left(), 4 * sizeof(std::pair<std::string_view, std::size_t>));
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    const std::size_t at = r.offset();
    const std::string_view key = r.read_string("key of metadata entry " + std::to_string(i));
    gguf_value value = read_value(r, key);
    if (!entry_index_.emplace(key, entries_.size()).second) r.fail_at(at, "duplicate key " + in_quotes(key));
    entries_.push_back(entry{key, std::move(value)});
  }

  if (const gguf_value* a = find("general.alignment")) {
    if (a->type() != gguf_type::u32) fail_key("general.alignment", "is " + a->describe() + ", expected u32");
    const std::uint32_t v = *a->as<std::uint32_t>();
    if (!std::has_single_bit(v) || v > max_alignment) {
      fail_key("general.alignment",
               std::to_string(v) + " is not a power of two of at most " + std::to_string(max_alignment));
    }
    alignment_ = v;
  }

  // --- tensor infos ---
  if (tensor_count > r.left() / min_tensor_info_bytes) {
    r.fail_at(8, "tensor count " + std::to_string(tensor_count) + " cannot fit in the " + std::to_string(r.left()) +
                     " bytes left after the metadata");
  }
  const auto n_tensors = static_cast<std::size_t>(tensor_count);
  struct placement {
    std::size_t info_at;   // where the tensor's info starts, for messages
    std::uint64_t offset;  // relative to the data section
    std::uint64_t size;
  };
  std::vector<placement> placements;
  reserve_bounded(placements, n_tensors, r.left(), sizeof(placement));
  reserve_bounded(tensors_, n_tensors, r.left(), sizeof(tensor_view));
  reserve_bounded(tensor_index_, n_tensors, r.left(), 4 * sizeof(std::pair<std::string_view, std::size_t>));
  for (std::size_t i = 0; i < n_tensors; ++i) {
    const std::size_t at = r.offset();
    const std::string_view tname = r.read_string("name of tensor " + std::to_string(i));
    if (tname.empty()) r.fail_at(at, "tensor " + std::to_string(i) + " has an empty name");
    const std::string what = "tensor " + in_quotes(tname);
    const auto n_dims = r.read<std::uint32_t>(what + ": dimension count");
    if (n_dims > static_cast<std::uint32_t>(max_tensor_rank)) {
      r.fail_at(at, what + ": " + std::to_string(n_dims) + " dimensions, at most " + std::to_string(max_tensor_rank) +
                        " are supported");
    }
    std::uint64_t ne[max_tensor_rank] = {1, 1, 1, 1};
    for (std::uint32_t j = 0; j < n_dims; ++j) ne[j] = r.read<std::uint64_t>(what + ": dimension");
    std::int64_t elements = 1;
    for (std::uint32_t j = 0; j < n_dims; ++j) {
      if (ne[j] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        r.fail_at(at, what + ": dimension " + std::to_string(j) + " of shape " + shape_string(ne, n_dims) +
                          " is negative or too large");
      }
      auto p = checked_mul(elements, static_cast<std::int64_t>(ne[j]));
      if (!p) r.fail_at(at, what + ": element count of shape " + shape_string(ne, n_dims) + " overflows int64");
      elements = *p;
    }
    const std::size_t type_at = r.offset();
    const auto type_id = r.read<std::uint32_t>(what + ": type");
    if (type_id >= ggml_type_count) {
      r.fail_at(type_at, what + ": type " + std::to_string(type_id) + " is not below the type count " +
                             std::to_string(ggml_type_count));
    }
    const auto type = dtype_from_ggml(type_id);
    if (!type) r.fail_at(type_at, what + ": type " + std::to_string(type_id) + " is not a known ggml type");
    const auto row_length = static_cast<std::int64_t>(ne[0]);
    const auto bytes_per_row = row_bytes(*type, row_length);
    if (!bytes_per_row) {
      r.fail_at(at, what + ": row length " + std::to_string(row_length) + " is not a multiple of " +
                        std::string(name(*type)) + "'s block size " + std::to_string(traits(*type).block_elements));
    }
    const std::int64_t rows = row_length == 0 ? 0 : elements / row_length;
    const auto size = checked_mul(*bytes_per_row, rows);
    if (!size) r.fail_at(at, what + ": byte size overflows int64");
    const auto offset = r.read<std::uint64_t>(what + ": offset");
    if (!tensor_index_.emplace(tname, i).second) r.fail_at(at, "duplicate tensor name " + in_quotes(tname));

    tensor_view v;
    v.name = tname;
    v.type = *type;
    v.rank = static_cast<int>(n_dims);
    for (std::uint32_t j = 0; j < n_dims; ++j) v.shape[n_dims - 1 - j] = static_cast<std::int64_t>(ne[j]);
    tensors_.push_back(v);
    placements.push_back(placement{at, offset, static_cast<std::uint64_t>(*size)});
  }

  // --- data section ---
  const std::uint64_t file_size = r.size();
  const std::uint64_t pad = (alignment_ - r.offset() % alignment_) % alignment_;
  data_offset_ = r.offset() + pad;  // cannot overflow: offset <= file size < 2^63
  for (std::size_t i = 0; i < n_tensors; ++i) {
    tensor_view& v = tensors_[i];
    const placement& p = placements[i];
    const std::string what = "tensor " + in_quotes(v.name);
    if (p.offset % alignment_ != 0) {
      r.fail_at(p.info_at, what + ": data offset " + std::to_string(p.offset) + " is not a multiple of the alignment " +
                               std::to_string(alignment_));
    }
    const std::uint64_t size = p.size;
    auto begin = checked_add(data_offset_, p.offset);
    auto end = begin ? checked_add(*begin, size) : std::nullopt;
    if (!end || *end > file_size) {
      r.fail_at(p.info_at, what + ": data at offset " + std::to_string(p.offset) + " + " + std::to_string(size) +
                               " bytes lies outside the file (" + std::to_string(file_size) +
                               " bytes, data section at " + std::to_string(data_offset_) + ")");
    }
    v.data = file_.bytes().subspan(static_cast<std::size_t>(*begin), static_cast<std::size_t>(size));
  }
}

void gguf_file::validate_tokenizer() const {
  std::optional<std::size_t> vocab;
  if (const gguf_value* tokens = find("tokenizer.ggml.tokens")) {
    if (!tokens->is_array() || tokens->element_type() != gguf_type::string) {
      fail_key("tokenizer.ggml.tokens", "is " + tokens->describe() + ", expected an array of string");
    }
    vocab = tokens->size();
  }
  if (const gguf_value* merges = find("tokenizer.ggml.merges")) {
    if (!merges->is_array() || merges->element_type() != gguf_type::string) {
      fail_key("tokenizer.ggml.merges", "is " + merges->describe() + ", expected an array of string");
    }
  }
  if (const gguf_value* scores = find("tokenizer.ggml.scores")) {
    const bool ok =
        scores->is_array() && (scores->element_type() == gguf_type::f32 || scores->element_type() == gguf_type::f64);
    if (!ok) fail_key("tokenizer.ggml.scores", "is " + scores->describe() + ", expected an array of f32");
    if (vocab && scores->size() != *vocab) {
      fail_key("tokenizer.ggml.scores", "has " + std::to_string(scores->size()) + " entries but there are " +
                                            std::to_string(*vocab) + " tokens");
    }
  }
  if (const gguf_value* types = find("tokenizer.ggml.token_type")) {
    if (!types->is_array() || !is_integer(types->element_type())) {
      fail_key("tokenizer.ggml.token_type", "is " + types->describe() + ", expected an array of i32");
    }
    if (vocab && types->size() != *vocab) {
      fail_key("tokenizer.ggml.token_type",
               "has " + std::to_string(types->size()) + " entries but there are " + std::to_string(*vocab) + " tokens");
    }
  }
  constexpr std::string_view prefix = "tokenizer.ggml.";
  constexpr std::string_view suffix = "_token_id";
  for (const entry& e : entries_) {
    if (!e.key.starts_with(prefix) || !e.key.ends_with(suffix)) continue;
    const auto id = is_integer(e.value.type()) ? e.value.as<std::uint64_t>() : std::nullopt;
    if (!id) fail_key(e.key, "is " + e.value.describe() + ", expected a non-negative integer token id");
    if (vocab && *id >= *vocab) {
      fail_key(e.key,
               "token id " + std::to_string(*id) + " is not below the vocabulary size " + std::to_string(*vocab));
    }
  }
}

const gguf_value* gguf_file::find(std::string_view key) const {
  auto it = entry_index_.find(key);
  return it == entry_index_.end() ? nullptr : &entries_[it->second].value;
}

void gguf_file::fail_key(std::string_view key, const std::string& what) const {
  throw load_error(path().string() + ": key " + in_quotes(key) + ": " + what);
}

const gguf_value& gguf_file::require(std::string_view key) const {
  const gguf_value* v = find(key);
  if (v == nullptr) fail_key(key, "missing");
  return *v;
}

template <gguf_scalar T>
T gguf_file::get(std::string_view key) const {
  const gguf_value& v = require(key);
  auto r = v.as<T>();
  if (!r) fail_key(key, "is " + v.describe() + ", expected " + std::string(scalar_name<T>()));
  return *r;
}

template <gguf_scalar T>
std::optional<T> gguf_file::find_as(std::string_view key) const {
  if (!contains(key)) return std::nullopt;
  return get<T>(key);
}

template <gguf_scalar T>
std::vector<T> gguf_file::get_array(std::string_view key) const {
  const gguf_value& v = require(key);
  auto r = v.array_as<T>();
  if (!r) fail_key(key, "is " + v.describe() + ", expected an array of " + std::string(scalar_name<T>()));
  return std::move(*r);
}

std::span<const std::string_view> gguf_file::get_string_array(std::string_view key) const {
  const gguf_value& v = require(key);
  if (!v.is_array() || v.element_type() != gguf_type::string) {
    fail_key(key, "is " + v.describe() + ", expected an array of string");
  }
  return v.strings();
}

std::optional<std::span<const std::string_view>> gguf_file::find_string_array(std::string_view key) const {
  if (!contains(key)) return std::nullopt;
  return get_string_array(key);
}

const tensor_view* gguf_file::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const tensor_view& gguf_file::tensor(std::string_view name) const {
  const tensor_view* v = find_tensor(name);
  if (v == nullptr) throw load_error(path().string() + ": no tensor named " + in_quotes(name));
  return *v;
}

#define MOESERVE_GGUF_INSTANTIATE(T)                                       \
  template T gguf_file::get<T>(std::string_view) const;                    \
  template std::optional<T> gguf_file::find_as<T>(std::string_view) const; \
  template std::vector<T> gguf_file::get_array<T>(std::string_view) const;
MOESERVE_GGUF_FOR_EACH_SCALAR(MOESERVE_GGUF_INSTANTIATE)
#undef MOESERVE_GGUF_INSTANTIATE

}  // namespace moeserve::model
