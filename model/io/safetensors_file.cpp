#include "model/io/safetensors_file.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "model/io/checked_math.hpp"
#include "model/io/load_error.hpp"

namespace moeserve::model {
namespace {

struct record {
  std::string name;
  dtype type = dtype::f32;
  int rank = 0;
  std::array<std::int64_t, max_tensor_rank> shape{};
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

safetensors_file::safetensors_file(std::filesystem::path path) : file_(std::move(path)) { parse(); }

void safetensors_file::fail(const std::string& what) const { throw load_error(path().string() + ": " + what); }

void safetensors_file::parse() {
  const auto bytes = file_.bytes();
  if (bytes.size() < 8)
    fail("file of " + std::to_string(bytes.size()) + " bytes is too short for a safetensors header");
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > max_header_bytes) {
    fail("header length " + std::to_string(header_len) + " exceeds the limit of " + std::to_string(max_header_bytes) +
         " bytes");
  }
  if (header_len > bytes.size() - 8) {
    fail("header length " + std::to_string(header_len) + " exceeds the " + std::to_string(bytes.size() - 8) +
         " bytes after the length");
  }
  data_offset_ = 8 + header_len;
  const std::uint64_t data_size = bytes.size() - data_offset_;

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const char* header = reinterpret_cast<const char*>(bytes.data() + 8);
  if (auto err = parser.parse(header, static_cast<std::size_t>(header_len), true).get(doc)) {
    fail(std::string("header is not valid UTF-8 JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root)) fail("header is not a JSON object");

  std::vector<record> records;
  std::unordered_set<std::string_view> seen;
  bool seen_metadata = false;
  for (auto field : root) {
    const std::string_view key = field.key;
    if (key == "__metadata__") {
      if (seen_metadata) fail("header: duplicate '__metadata__'");
      seen_metadata = true;
      simdjson::dom::object meta;
      if (field.value.get_object().get(meta)) fail("header: '__metadata__' is not an object");
      for (auto m : meta) {
        std::string_view value;
        if (m.value.get_string().get(value)) fail("header: __metadata__ " + in_quotes(m.key) + " is not a string");
        metadata_.emplace_back(std::string(m.key), std::string(value));
      }
      continue;
    }
    const std::string what = "tensor " + in_quotes(key);
    if (!seen.insert(key).second) fail(what + ": duplicate name");
    simdjson::dom::object info;
    if (field.value.get_object().get(info)) fail(what + ": not an object");

    record rec;
    rec.name = std::string(key);
    std::string_view dtype_name;
    if (info["dtype"].get_string().get(dtype_name)) fail(what + ": missing or non-string 'dtype'");
    const auto type = dtype_from_safetensors(dtype_name);
    if (!type) fail(what + ": unknown dtype " + in_quotes(dtype_name));
    rec.type = *type;

    simdjson::dom::array shape;
    if (info["shape"].get_array().get(shape)) fail(what + ": missing or non-array 'shape'");
    if (shape.size() > static_cast<std::size_t>(max_tensor_rank)) {
      fail(what + ": " + std::to_string(shape.size()) + " dimensions, at most " + std::to_string(max_tensor_rank) +
           " are supported");
    }
    std::int64_t elements = 1;
    for (auto dim : shape) {
      std::uint64_t d = 0;
      if (dim.get_uint64().get(d) || d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(what + ": shape entries must be non-negative integers below 2^63");
      }
      auto p = checked_mul(elements, static_cast<std::int64_t>(d));
      if (!p) fail(what + ": element count overflows int64");
      elements = *p;
      rec.shape[static_cast<std::size_t>(rec.rank++)] = static_cast<std::int64_t>(d);
    }

    simdjson::dom::array offsets;
    if (info["data_offsets"].get_array().get(offsets) || offsets.size() != 2) {
      fail(what + ": 'data_offsets' must be an array [begin, end]");
    }
    if (offsets.at(0).get_uint64().get(rec.begin) || offsets.at(1).get_uint64().get(rec.end)) {
      fail(what + ": 'data_offsets' must be non-negative integers");
    }
    if (rec.begin > rec.end) {
      fail(what + ": data_offsets [" + std::to_string(rec.begin) + ", " + std::to_string(rec.end) +
           "] end before they begin");
    }
    if (rec.end > data_size) {
      fail(what + ": data_offsets end " + std::to_string(rec.end) + " lies past the data section of " +
           std::to_string(data_size) + " bytes");
    }
    const auto size = checked_mul(elements, traits(rec.type).block_bytes);
    if (!size) fail(what + ": byte size overflows int64");
    if (static_cast<std::uint64_t>(*size) != rec.end - rec.begin) {
      fail(what + ": " + std::to_string(rec.end - rec.begin) + " bytes in data_offsets, but shape and dtype need " +
           std::to_string(*size));
    }
    records.push_back(std::move(rec));
  }

  std::stable_sort(records.begin(), records.end(), [](const record& a, const record& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const record& rec : records) {
    if (rec.begin > expected) {
      fail("tensor " + in_quotes(rec.name) + ": data begins at " + std::to_string(rec.begin) +
           ", leaving a hole after " + std::to_string(expected));
    }
    if (rec.begin < expected) {
      fail("tensor " + in_quotes(rec.name) + ": data [" + std::to_string(rec.begin) + ", " + std::to_string(rec.end) +
           ") overlaps the previous tensor, which ends at " + std::to_string(expected));
    }
    expected = rec.end;
  }
  if (expected != data_size) {
    fail("tensors cover " + std::to_string(expected) + " bytes of the " + std::to_string(data_size) +
         "-byte data section");
  }

  names_.reserve(records.size());
  for (record& rec : records) names_.push_back(std::move(rec.name));
  tensors_.reserve(records.size());
  index_.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const record& rec = records[i];
    tensor_view v;
    v.name = names_[i];
    v.type = rec.type;
    v.rank = rec.rank;
    v.shape = rec.shape;
    v.data = bytes.subspan(static_cast<std::size_t>(data_offset_ + rec.begin),
                           static_cast<std::size_t>(rec.end - rec.begin));
    tensors_.push_back(v);
    index_.emplace(tensors_.back().name, i);
  }
}

const tensor_view* safetensors_file::find_tensor(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const tensor_view& safetensors_file::tensor(std::string_view name) const {
  const tensor_view* v = find_tensor(name);
  if (v == nullptr) fail("no tensor named " + in_quotes(name));
  return *v;
}

std::optional<std::string_view> safetensors_file::find_metadata(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace moeserve::model
