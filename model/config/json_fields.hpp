#pragma once
// json_fields: typed access to one simdjson DOM object, with config_errors that name the
// source and the key ("config.json: \"hidden_size\" is not an integer"). Absent keys and
// JSON nulls read as missing. Shared by the config.json readers of model/config.
//
// Threading: a view of a parsed document; valid while the document's parser lives.
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/config/model_config.hpp"

namespace moeserve::model {


// Typed access to one JSON object, with errors that name the file and the key.
class json_fields {
  using element = simdjson::dom::element;
  using element_type = simdjson::dom::element_type;
  using object = simdjson::dom::object;

 public:
  json_fields(object obj, std::string_view source) : obj_(obj), source_(source) {}

  bool has(std::string_view key) const {
    element e;
    return obj_[key].get(e) == simdjson::SUCCESS && !e.is_null();
  }
  std::optional<element> find(std::string_view key) const {
    element e;
    if (obj_[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    return e;
  }
  long long integer(std::string_view key, long long fallback) const {
    auto e = find(key);
    return e ? as_integer(*e, key) : fallback;
  }
  long long required_integer(std::string_view key) const {
    auto e = find(key);
    if (!e) fail(key, "is missing");
    return as_integer(*e, key);
  }
  double number(std::string_view key, double fallback) const {
    auto e = find(key);
    return e ? as_number(*e, key) : fallback;
  }
  bool boolean(std::string_view key, bool fallback) const {
    auto e = find(key);
    if (!e) return fallback;
    bool b = false;
    if (e->get(b) != simdjson::SUCCESS) fail(key, "is not a boolean");
    return b;
  }
  std::string string(std::string_view key, std::string fallback) const {
    auto e = find(key);
    if (!e) return fallback;
    std::string_view s;
    if (e->get(s) != simdjson::SUCCESS) fail(key, "is not a string");
    return std::string(s);
  }
  // An integer, or a list of integers (eos_token_id may be either).
  std::vector<long long> integers(std::string_view key) const {
    auto e = find(key);
    if (!e) return {};
    if (e->type() != element_type::ARRAY) return {as_integer(*e, key)};
    simdjson::dom::array items;
    if (e->get(items) != simdjson::SUCCESS) fail(key, "is not a list");
    std::vector<long long> out;
    for (element item : items) out.push_back(as_integer(item, key));
    return out;
  }
  std::optional<json_fields> child(std::string_view key) const {
    auto e = find(key);
    if (!e) return std::nullopt;
    object o;
    if (e->get(o) != simdjson::SUCCESS) fail(key, "is not an object");
    return json_fields(o, source_);
  }

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw config_error(std::string(source_) + ": \"" + std::string(key) + "\" " + what);
  }

 private:
  long long as_integer(element e, std::string_view key) const {
    switch (e.type()) {
      case element_type::INT64:
        return e.get_int64().value_unsafe();
      case element_type::UINT64: {
        const auto u = e.get_uint64().value_unsafe();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) fail(key, "is too large");
        return static_cast<long long>(u);
      }
      case element_type::DOUBLE: {
        const double d = e.get_double().value_unsafe();
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) fail(key, "is not an integer");
        return static_cast<long long>(d);
      }
      default:
        fail(key, "is not an integer");
    }
  }
  double as_number(element e, std::string_view key) const {
    double d = 0;
    switch (e.type()) {
      case element_type::INT64:
        d = static_cast<double>(e.get_int64().value_unsafe());
        break;
      case element_type::UINT64:
        d = static_cast<double>(e.get_uint64().value_unsafe());
        break;
      case element_type::DOUBLE:
        d = e.get_double().value_unsafe();
        break;
      default:
        fail(key, "is not a number");
    }
    if (!std::isfinite(d)) fail(key, "is not finite");
    return d;
  }

  object obj_;
  std::string_view source_;
};

inline int to_int(const json_fields& f, std::string_view key, long long v) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) f.fail(key, "is out of range");
  return static_cast<int>(v);
}

}  // namespace moeserve::model
