#include "net/chat_completion_request.hpp"

#include <new>
#include <optional>

#include "net/chat_request_reader.hpp"
#include "net/json_body.hpp"

namespace moeserve::net {
namespace dom = simdjson::dom;
namespace {

chat_completion_request parse(std::string_view body, const request_limits& limits) {
  dom::parser parser;
  const dom::object root = parse_body(parser, body, limits);
  chat_completion_request r;
  generation_reader shared(r, limits);
  chat_request_reader chat(r.chat, limits);
  bool logprobs = false;
  std::optional<int> top_logprobs;
  for (dom::key_value_pair kv : root) {
    if (shared.read(kv.key, kv.value) || chat.read(kv.key, kv.value)) continue;
    if (kv.key == "logprobs") {
      if (!is_null(kv.value)) logprobs = read_bool(kv.value, kv.key);
    } else if (kv.key == "top_logprobs") {
      if (!is_null(kv.value)) top_logprobs = static_cast<int>(read_integer(kv.value, kv.key, 0, limits.max_logprobs));
    }
  }
  shared.finish();
  chat.finish();
  if (top_logprobs.value_or(0) > 0 && !logprobs) reject("top_logprobs needs logprobs set to true", "top_logprobs");
  if (logprobs) r.logprobs = top_logprobs.value_or(0);
  return r;
}

}  // namespace

parse_result<chat_completion_request> parse_chat_completion_request(std::string_view body,
                                                                    const request_limits& limits) {
  try {
    return parse(body, limits);
  } catch (const request_error& e) {
    return e.error;
  } catch (const std::bad_alloc&) {
    return internal_error("out of memory while parsing the request");
  }
}

}  // namespace moeserve::net
