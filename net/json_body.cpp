#include "net/json_body.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

namespace moeserve::net {
namespace dom = simdjson::dom;
namespace {

// The first key that appears twice in `object`, if any.
std::optional<std::string_view> duplicate_key(dom::object object) {
  std::vector<std::string_view> keys;
  keys.reserve(object.size());
  for (dom::key_value_pair kv : object) keys.push_back(kv.key);
  if (keys.size() <= 16) {
    for (std::size_t i = 1; i < keys.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (keys[i] == keys[j]) return keys[i];
      }
    }
    return std::nullopt;
  }
  std::sort(keys.begin(), keys.end());
  const auto it = std::adjacent_find(keys.begin(), keys.end());
  if (it == keys.end()) return std::nullopt;
  return *it;
}

[[noreturn]] void wrong_type(simdjson::dom::element e, std::string_view param, std::string_view expected) {
  reject(std::string(param) + " must be " + std::string(expected) + ", got " + std::string(json_type_name(e)), param);
}

[[noreturn]] void out_of_range(std::string_view param, std::int64_t lo, std::int64_t hi, const std::string& shown) {
  reject(std::string(param) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + shown,
         param);
}

// The shortest text that reads back as d ("1e+300").
std::string shortest(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

}  // namespace

std::optional<std::string> find_duplicate_key(dom::element e) {
  if (e.is_object()) {
    const dom::object object(e);
    if (auto key = duplicate_key(object)) return "." + std::string(*key);
    for (dom::key_value_pair kv : object) {
      if (!kv.value.is_object() && !kv.value.is_array()) continue;
      if (auto below = find_duplicate_key(kv.value)) return "." + std::string(kv.key) + *below;
    }
  } else if (e.is_array()) {
    std::size_t i = 0;
    for (dom::element item : dom::array(e)) {
      if ((item.is_object() || item.is_array())) {
        if (auto below = find_duplicate_key(item)) return "[" + std::to_string(i) + "]" + *below;
      }
      ++i;
    }
  }
  return std::nullopt;
}

void reject(std::string message, std::string_view param) {
  throw request_error{bad_request(std::move(message), std::string(param))};
}

dom::object parse_body(dom::parser& parser, std::string_view body, const request_limits& limits) {
  if (body.size() > limits.max_body_bytes) throw request_error{body_too_large(limits.max_body_bytes)};
  if (const auto error = parser.allocate(std::max<std::size_t>(body.size(), 1), limits.max_depth)) {
    throw request_error{
        internal_error(std::string("cannot allocate the JSON parser: ") + simdjson::error_message(error))};
  }
  dom::element root;
  if (const auto error = parser.parse(body.data(), body.size(), true).get(root)) {
    std::string message = "the body is not valid JSON: ";
    if (error == simdjson::DEPTH_ERROR) {
      message += "nested deeper than " + std::to_string(limits.max_depth) + " levels";
    } else if (error == simdjson::UTF8_ERROR) {
      message += "not valid UTF-8";
    } else if (error == simdjson::NUMBER_ERROR) {
      message += "a number out of range";
    } else {
      message += simdjson::error_message(error);
    }
    throw request_error{bad_request(std::move(message))};
  }
  if (!root.is_object()) {
    throw request_error{bad_request("the body must be a JSON object, got " + std::string(json_type_name(root)))};
  }
  if (auto path = find_duplicate_key(root)) {
    const std::string param = path->substr(1);  // without the leading '.'
    throw request_error{bad_request("duplicate key in the body: " + param, param)};
  }
  return dom::object(root);
}

std::string member_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  std::string path(parent);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

std::string_view json_type_name(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "an integer";
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

std::string read_string(dom::element e, std::string_view param) {
  if (!e.is_string()) wrong_type(e, param, "a string");
  return std::string(std::string_view(e));
}

bool read_bool(dom::element e, std::string_view param) {
  if (!e.is_bool()) wrong_type(e, param, "a boolean");
  return bool(e);
}

double read_number(dom::element e, std::string_view param) {
  switch (e.type()) {
    case dom::element_type::INT64:
      return static_cast<double>(std::int64_t(e));
    case dom::element_type::UINT64:
      return static_cast<double>(std::uint64_t(e));
    case dom::element_type::DOUBLE:
      return double(e);
    default:
      wrong_type(e, param, "a number");
  }
}

std::int64_t read_integer(dom::element e, std::string_view param, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  switch (e.type()) {
    case dom::element_type::INT64:
      v = std::int64_t(e);
      break;
    case dom::element_type::UINT64:
      out_of_range(param, lo, hi, std::to_string(std::uint64_t(e)));
    case dom::element_type::DOUBLE: {
      const double d = double(e);
      if (std::trunc(d) != d) wrong_type(e, param, "an integer");
      // 2^63 is exact in a double; every integral double below it converts exactly.
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) out_of_range(param, lo, hi, shortest(d));
      v = static_cast<std::int64_t>(d);
      break;
    }
    default:
      wrong_type(e, param, "an integer");
  }
  if (v < lo || v > hi) out_of_range(param, lo, hi, std::to_string(v));
  return v;
}

dom::array read_array(dom::element e, std::string_view param) {
  if (!e.is_array()) wrong_type(e, param, "an array");
  return dom::array(e);
}

dom::object read_object(dom::element e, std::string_view param) {
  if (!e.is_object()) wrong_type(e, param, "an object");
  return dom::object(e);
}

}  // namespace moeserve::net
