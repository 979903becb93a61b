#include "net/generation_request.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

#include "net/json_body.hpp"

namespace moeserve::net {
namespace dom = simdjson::dom;
namespace {

constexpr std::int64_t int_min = std::numeric_limits<int>::min();
constexpr std::int64_t int_max = std::numeric_limits<int>::max();

float read_float(dom::element e, std::string_view param) { return static_cast<float>(read_number(e, param)); }

void read_stop_string(dom::element e, std::string_view param, generation_request& r, const request_limits& limits) {
  std::string s = read_string(e, param);
  if (s.size() > limits.max_stop_bytes) {
    reject(std::string(param) + " must be at most " + std::to_string(limits.max_stop_bytes) + " bytes long, got " +
               std::to_string(s.size()),
           param);
  }
  if (!s.empty()) r.stop.push_back(std::move(s));
}

void read_stop(dom::element e, generation_request& r, const request_limits& limits) {
  if (e.is_string()) return read_stop_string(e, "stop", r, limits);
  if (!e.is_array())
    reject("stop must be a string or an array of strings, got " + std::string(json_type_name(e)), "stop");
  const dom::array items(e);
  if (items.size() > limits.max_stop_strings) {
    reject("stop may hold at most " + std::to_string(limits.max_stop_strings) + " strings, got " +
               std::to_string(items.size()),
           "stop");
  }
  std::size_t i = 0;
  for (dom::element item : items) read_stop_string(item, index_path("stop", i++), r, limits);
}

void read_stop_token_ids(dom::element e, generation_request& r, const request_limits& limits) {
  const dom::array items = read_array(e, "stop_token_ids");
  if (items.size() > limits.max_stop_token_ids) {
    reject("stop_token_ids may hold at most " + std::to_string(limits.max_stop_token_ids) + " ids, got " +
               std::to_string(items.size()),
           "stop_token_ids");
  }
  std::size_t i = 0;
  for (dom::element item : items) {
    r.stop_token_ids.push_back(
        static_cast<std::int32_t>(read_integer(item, index_path("stop_token_ids", i++), 0, int_max)));
  }
}

std::uint64_t read_seed(dom::element e) {
  if (e.type() == dom::element_type::UINT64) return std::uint64_t(e);
  const std::int64_t seed =
      read_integer(e, "seed", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  return static_cast<std::uint64_t>(seed);
}

void read_stream_options(dom::element e, generation_request& r) {
  for (dom::key_value_pair kv : read_object(e, "stream_options")) {
    if (kv.key == "include_usage" && !is_null(kv.value)) {
      r.include_usage = read_bool(kv.value, "stream_options.include_usage");
    }
  }
}

}  // namespace

bool generation_reader::read(std::string_view key, dom::element v) {
  auto& s = r_.sampling;
  const bool null = is_null(v);
  if (key == "model") {
    if (!null) r_.model = read_string(v, key);
  } else if (key == "max_tokens") {
    if (!null) max_tokens_ = static_cast<int>(read_integer(v, key, 1, limits_.max_tokens_cap));
  } else if (key == "max_completion_tokens") {
    if (!null) max_completion_tokens_ = static_cast<int>(read_integer(v, key, 1, limits_.max_tokens_cap));
  } else if (key == "temperature") {
    if (!null) s.temperature = read_float(v, key);
  } else if (key == "top_p") {
    if (!null) s.top_p = read_float(v, key);
  } else if (key == "top_k") {
    if (!null) s.top_k = static_cast<int>(read_integer(v, key, int_min, int_max));
  } else if (key == "min_p") {
    if (!null) s.min_p = read_float(v, key);
  } else if (key == "presence_penalty") {
    if (!null) s.presence_penalty = read_float(v, key);
  } else if (key == "frequency_penalty") {
    if (!null) s.frequency_penalty = read_float(v, key);
  } else if (key == "repetition_penalty") {
    if (!null) s.repetition_penalty = read_float(v, key);
  } else if (key == "seed") {
    if (!null) s.seed = read_seed(v);
  } else if (key == "stop") {
    if (!null) read_stop(v, r_, limits_);
  } else if (key == "stop_token_ids") {
    if (!null) read_stop_token_ids(v, r_, limits_);
  } else if (key == "n") {
    if (!null) r_.n = static_cast<int>(read_integer(v, key, 1, limits_.max_n));
  } else if (key == "stream") {
    if (!null) r_.stream = read_bool(v, key);
  } else if (key == "stream_options") {
    if (!null) read_stream_options(v, r_);
  } else if (key == "ignore_eos") {
    if (!null) r_.ignore_eos = read_bool(v, key);
  } else if (key == "skip_special_tokens") {
    if (!null) r_.skip_special_tokens = read_bool(v, key);
  } else if (key == "user") {
    if (!null) r_.user = read_string(v, key);
  } else {
    return false;
  }
  return true;
}

void generation_reader::finish() {
  r_.max_tokens = max_completion_tokens_ ? max_completion_tokens_ : max_tokens_;
  if (!r_.stream) r_.include_usage = false;
  try {
    r_.sampling.validate();
  } catch (const std::invalid_argument& e) {
    // The message starts with the parameter's name: "top_p must be in (0, 1], got 1.5".
    const std::string message = e.what();
    reject(message, std::string_view(message).substr(0, message.find(' ')));
  }
}

}  // namespace moeserve::net
