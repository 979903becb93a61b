#include "model/io/safetensors_writer.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

#include "model/io/tensor_view.hpp"

namespace moeserve::model {
namespace {

[[noreturn]] void refuse(std::string_view name, const std::string& what) {
  throw std::invalid_argument("safetensors_writer: tensor '" + std::string(name) + "': " + what);
}

std::string shard_name(std::size_t index, std::size_t count) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", index + 1, count);
  return buf;
}

void write_all(std::ofstream& out, const std::filesystem::path& path, std::span<const std::byte> bytes) {
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void safetensors_writer::add(std::string name, dtype type, std::vector<std::int64_t> shape, fill_function fill) {
  if (name.empty()) refuse(name, "empty name");
  if (name == "__metadata__") refuse(name, "reserved name");
  if (tensors_.contains(name)) refuse(name, "declared twice");
  if (traits(type).safetensors_name.empty()) refuse(name, "dtype " + std::string(model::name(type)) + " has no safetensors name");
  if (shape.size() > static_cast<std::size_t>(max_tensor_rank)) refuse(name, "rank above 4");
  std::int64_t count = 1;
  for (const std::int64_t d : shape) {
    if (d < 0) refuse(name, "negative dimension");
    if (d != 0 && count > std::numeric_limits<std::int64_t>::max() / d) refuse(name, "size overflows");
    count *= d;
  }
  const auto bytes = row_bytes(type, count);
  if (!bytes) refuse(name, "size overflows");
  if (!fill) refuse(name, "no fill function");
  tensors_.emplace(std::move(name), entry{type, std::move(shape), static_cast<std::uint64_t>(*bytes), std::move(fill)});
}

void safetensors_writer::add_bytes(std::string name, dtype type, std::vector<std::int64_t> shape,
                                   std::span<const std::byte> bytes) {
  auto copy = std::make_shared<std::vector<std::byte>>(bytes.begin(), bytes.end());
  const std::string n = name;
  add(std::move(name), type, std::move(shape), [copy, n](std::span<std::byte> out) {
    if (out.size() != copy->size()) refuse(n, "byte count does not match dtype and shape");
    if (!out.empty()) std::memcpy(out.data(), copy->data(), out.size());  // an empty tensor has no data pointer
  });
  if (tensors_.at(n).bytes != copy->size()) {
    tensors_.erase(n);
    refuse(n, std::to_string(copy->size()) + " bytes given, dtype and shape need another count");
  }
}

void safetensors_writer::set_metadata(std::string key, std::string value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(value));
}

std::uint64_t safetensors_writer::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [name, e] : tensors_) total += e.bytes;
  return total;
}

std::vector<std::string> safetensors_writer::sorted_names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, e] : tensors_) names.push_back(name);
  return names;
}

std::vector<std::byte> safetensors_writer::header_bytes(std::span<const std::string> names) const {
  std::string json = "{";
  bool first = true;
  if (!metadata_.empty()) {
    json += "\"__metadata__\":{";
    for (std::size_t i = 0; i < metadata_.size(); ++i) {
      if (i > 0) json += ',';
      json += json_quote(metadata_[i].first) + ':' + json_quote(metadata_[i].second);
    }
    json += '}';
    first = false;
  }
  std::uint64_t offset = 0;
  for (const std::string& name : names) {
    const entry& e = tensors_.at(name);
    if (!first) json += ',';
    first = false;
    json += json_quote(name) + ":{\"dtype\":\"" + std::string(traits(e.type).safetensors_name) + "\",\"shape\":[";
    for (std::size_t i = 0; i < e.shape.size(); ++i) {
      if (i > 0) json += ',';
      json += std::to_string(e.shape[i]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + ',' + std::to_string(offset + e.bytes) + "]}";
    offset += e.bytes;
  }
  json += '}';
  while (json.size() % 8 != 0) json += ' ';  // the data section starts 8-byte aligned
  std::vector<std::byte> out(8 + json.size());
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
  std::memcpy(out.data() + 8, json.data(), json.size());
  return out;
}

void safetensors_writer::write_shard(const std::filesystem::path& path, std::span<const std::string> names) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  write_all(out, path, header_bytes(names));
  std::vector<std::byte> buffer;
  for (const std::string& name : names) {
    const entry& e = tensors_.at(name);
    buffer.assign(static_cast<std::size_t>(e.bytes), std::byte{0});
    e.fill(buffer);
    write_all(out, path, buffer);
    buffer.clear();
    buffer.shrink_to_fit();
  }
  out.close();
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

void safetensors_writer::write_file(const std::filesystem::path& path) const {
  const auto names = sorted_names();
  write_shard(path, names);
}

std::vector<std::filesystem::path> safetensors_writer::write_checkpoint(const std::filesystem::path& directory,
                                                                        std::uint64_t max_shard_bytes) const {
  std::filesystem::create_directories(directory);
  std::vector<std::vector<std::string>> shards(1);
  std::uint64_t in_shard = 0;
  for (const auto& [name, e] : tensors_) {
    if (!shards.back().empty() && in_shard + e.bytes > max_shard_bytes) {
      shards.emplace_back();
      in_shard = 0;
    }
    shards.back().push_back(name);
    in_shard += e.bytes;
  }
  std::vector<std::filesystem::path> written;
  if (shards.size() == 1) {
    written.push_back(directory / "model.safetensors");
    write_shard(written.back(), shards[0]);
    return written;
  }
  std::map<std::string, std::string> weight_map;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string file = shard_name(i, shards.size());
    written.push_back(directory / file);
    write_shard(written.back(), shards[i]);
    for (const std::string& name : shards[i]) weight_map.emplace(name, file);
  }
  std::string index = "{\n  \"metadata\": {\"total_size\": " + std::to_string(total_bytes()) + "},\n  \"weight_map\": {";
  bool first = true;
  for (const auto& [name, file] : weight_map) {
    index += first ? "\n    " : ",\n    ";
    first = false;
    index += json_quote(name) + ": " + json_quote(file);
  }
  index += "\n  }\n}\n";
  const auto index_path = directory / "model.safetensors.index.json";
  std::ofstream out(index_path, std::ios::binary | std::ios::trunc);
  out << index;
  out.close();
  if (!out) throw std::runtime_error(index_path.string() + ": write failed");
  written.push_back(index_path);
  return written;
}

}  // namespace moeserve::model
