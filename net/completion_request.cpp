#include "net/completion_request.hpp"

#include <limits>
#include <new>
#include <utility>

#include "net/json_body.hpp"

namespace moeserve::net {
namespace dom = simdjson::dom;
namespace {

constexpr std::int64_t token_id_max = std::numeric_limits<std::int32_t>::max();
constexpr std::string_view prompt_forms =
    "prompt must be a string, an array of strings, an array of token ids or an array of arrays of token ids";

std::vector<std::int32_t> read_token_ids(dom::array items, const std::string& param) {
  if (items.size() == 0) reject(param + " must hold at least one token id", param);
  std::vector<std::int32_t> ids;
  ids.reserve(items.size());
  std::size_t i = 0;
  for (dom::element item : items) {
    if (!item.is_number()) {
      reject(param + " must be an array of token ids, got " + std::string(json_type_name(item)) + " at index " +
                 std::to_string(i),
             index_path(param, i));
    }
    ids.push_back(static_cast<std::int32_t>(read_integer(item, index_path(param, i), 0, token_id_max)));
    ++i;
  }
  return ids;
}

std::vector<prompt_input> read_prompts(dom::element e, const request_limits& limits) {
  std::vector<prompt_input> prompts;
  if (e.is_string()) {
    prompts.emplace_back(read_string(e, "prompt"));
    return prompts;
  }
  if (!e.is_array()) {
    reject(std::string(prompt_forms) + ", got " + std::string(json_type_name(e)), "prompt");
  }
  const dom::array items(e);
  if (items.size() == 0) reject("prompt must not be empty", "prompt");
  const dom::element first = *items.begin();
  if (first.is_number()) {
    prompts.emplace_back(read_token_ids(items, "prompt"));
    return prompts;
  }
  if (items.size() > limits.max_prompts) {
    reject("prompt may hold at most " + std::to_string(limits.max_prompts) + " prompts, got " +
               std::to_string(items.size()),
           "prompt");
  }
  prompts.reserve(items.size());
  const bool texts = first.is_string();
  std::size_t i = 0;
  for (dom::element item : items) {
    const std::string path = index_path("prompt", i++);
    if (texts) {
      if (!item.is_string()) reject("prompt must not mix strings with other values", path);
      prompts.emplace_back(read_string(item, path));
    } else {
      if (!item.is_array()) {
        const std::string got = std::string(json_type_name(item)) + " at index " + std::to_string(i - 1);
        reject(std::string(prompt_forms) + ", got " + got, path);
      }
      prompts.emplace_back(read_token_ids(dom::array(item), path));
    }
  }
  return prompts;
}

completion_request parse(std::string_view body, const request_limits& limits) {
  dom::parser parser;
  const dom::object root = parse_body(parser, body, limits);
  completion_request r;
  generation_reader shared(r, limits);
  bool has_prompt = false;
  for (dom::key_value_pair kv : root) {
    if (shared.read(kv.key, kv.value)) continue;
    if (kv.key == "prompt") {
      r.prompts = read_prompts(kv.value, limits);
      has_prompt = true;
    } else if (kv.key == "echo") {
      if (!is_null(kv.value)) r.echo = read_bool(kv.value, kv.key);
    } else if (kv.key == "logprobs") {
      if (!is_null(kv.value)) r.logprobs = static_cast<int>(read_integer(kv.value, kv.key, 0, limits.max_logprobs));
    }
  }
  shared.finish();
  if (!has_prompt) reject("prompt is required", "prompt");
  return r;
}

}  // namespace

parse_result<completion_request> parse_completion_request(std::string_view body, const request_limits& limits) {
  try {
    return parse(body, limits);
  } catch (const request_error& e) {
    return e.error;
  } catch (const std::bad_alloc&) {
    return internal_error("out of memory while parsing the request");
  }
}

}  // namespace moeserve::net
