#include "model/io/safetensors_checkpoint.hpp"

#include <simdjson.h>

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "model/io/load_error.hpp"
#include "model/io/mapped_file.hpp"

namespace moeserve::model {
namespace {

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_plain_file_name(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\\') == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

}  // namespace

safetensors_checkpoint::safetensors_checkpoint(const std::filesystem::path& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path index = path / index_file_name;
    const fs::path single = path / single_file_name;
    if (fs::exists(index, ec)) {
      open_index(index);
    } else if (fs::exists(single, ec)) {
      shards_.emplace_back(single);
    } else {
      throw load_error(path.string() + ": neither " + std::string(index_file_name) + " nor " +
                       std::string(single_file_name) + " in this directory");
    }
  } else if (path.filename().string().ends_with(".index.json")) {
    open_index(path);
  } else {
    shards_.emplace_back(path);
  }

  for (const safetensors_file& shard : shards_) {
    for (const tensor_view& t : shard.tensors()) {
      if (!index_.emplace(t.name, &t).second) {
        throw load_error(shard.path().string() + ": tensor " + in_quotes(t.name) + " is also in another shard");
      }
      tensors_.push_back(&t);
    }
  }
}

void safetensors_checkpoint::open_index(const std::filesystem::path& index_path) {
  const mapped_file index(index_path);
  const std::string where = index_path.string() + ": ";
  if (index.size() > safetensors_file::max_header_bytes) {
    throw load_error(where + "index of " + std::to_string(index.size()) + " bytes exceeds the limit of " +
                     std::to_string(safetensors_file::max_header_bytes));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const auto bytes = index.bytes();
  if (auto err = parser.parse(reinterpret_cast<const char*>(bytes.data()), bytes.size(), true).get(doc)) {
    throw load_error(where + "not valid UTF-8 JSON: " + simdjson::error_message(err));
  }
  simdjson::dom::object weight_map;
  if (doc["weight_map"].get_object().get(weight_map)) {
    throw load_error(where + "no object 'weight_map' at the top level");
  }

  // tensor name -> shard number; shards in order of first mention
  std::unordered_map<std::string, std::size_t> shard_of;
  std::unordered_map<std::string, std::size_t> shard_number;
  std::vector<std::string> shard_names;
  std::vector<std::pair<std::string_view, std::size_t>> listed;  // in weight_map order
  for (auto field : weight_map) {
    std::string_view shard;
    if (field.value.get_string().get(shard)) {
      throw load_error(where + "weight_map entry " + in_quotes(field.key) + " is not a string");
    }
    if (!is_plain_file_name(shard)) {
      throw load_error(where + "weight_map entry " + in_quotes(field.key) + ": shard " + in_quotes(shard) +
                       " is not a plain file name");
    }
    auto [it, fresh] = shard_number.emplace(std::string(shard), shard_names.size());
    if (fresh) shard_names.emplace_back(shard);
    if (!shard_of.emplace(std::string(field.key), it->second).second) {
      throw load_error(where + "weight_map lists tensor " + in_quotes(field.key) + " twice");
    }
    listed.emplace_back(field.key, it->second);
  }

  const auto dir = index_path.parent_path();
  shards_.reserve(shard_names.size());
  for (const std::string& name : shard_names) shards_.emplace_back(dir / name);

  for (const auto& [tensor, shard] : listed) {
    if (shards_[shard].find_tensor(tensor) == nullptr) {
      throw load_error(where + "tensor " + in_quotes(tensor) + " is listed in shard " + in_quotes(shard_names[shard]) +
                       " but that shard does not have it");
    }
  }
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    for (const tensor_view& t : shards_[s].tensors()) {
      auto it = shard_of.find(std::string(t.name));
      if (it == shard_of.end() || it->second != s) {
        throw load_error(where + "tensor " + in_quotes(t.name) + " of shard " + in_quotes(shard_names[s]) +
                         " is not listed for that shard in the weight_map");
      }
    }
  }
}

std::uint64_t safetensors_checkpoint::total_bytes() const {
  std::uint64_t n = 0;
  for (const tensor_view* t : tensors_) n += t->data.size();
  return n;
}

const tensor_view* safetensors_checkpoint::find_tensor(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const tensor_view& safetensors_checkpoint::tensor(std::string_view name) const {
  const tensor_view* v = find_tensor(name);
  if (v == nullptr) throw load_error(path_.string() + ": no tensor named " + in_quotes(name));
  return *v;
}

}  // namespace moeserve::model
