#include "net/tokenize_request.hpp"

#include <limits>
#include <new>
#include <utility>

#include "net/chat_request_reader.hpp"
#include "net/json_body.hpp"

namespace moeserve::net {
namespace dom = simdjson::dom;
namespace {

tokenize_request parse_tokenize(std::string_view body, const request_limits& limits) {
  dom::parser parser;
  const dom::object root = parse_body(parser, body, limits);
  tokenize_request r;
  model::chat_request chat;
  chat_request_reader chat_reader(chat, limits);
  std::optional<std::string> prompt;
  std::optional<bool> add_special_tokens;
  for (dom::key_value_pair kv : root) {
    const bool null = is_null(kv.value);
    if (kv.key == "model") {
      if (!null) r.model = read_string(kv.value, kv.key);
    } else if (kv.key == "prompt") {
      if (!null) prompt = read_string(kv.value, kv.key);
    } else if (kv.key == "add_special_tokens") {
      if (!null) add_special_tokens = read_bool(kv.value, kv.key);
    } else if (kv.key == "return_token_strs") {
      if (!null) r.return_token_strs = read_bool(kv.value, kv.key);
    } else if (kv.key == "messages" || kv.key == "tools" || kv.key == "add_generation_prompt" ||
               kv.key == "chat_template_kwargs" || kv.key == "chat_template") {
      chat_reader.read(kv.key, kv.value);
    }
  }
  const bool has_messages = !chat.messages.empty();
  if (prompt && has_messages) reject("give either prompt or messages, not both", "messages");
  if (!prompt && !has_messages) reject("prompt or messages is required", "prompt");
  if (prompt) {
    r.input = std::move(*prompt);
    r.add_special_tokens = add_special_tokens.value_or(true);
  } else {
    r.input = std::move(chat);
    r.add_special_tokens = add_special_tokens.value_or(false);
  }
  return r;
}

detokenize_request parse_detokenize(std::string_view body, const request_limits& limits) {
  dom::parser parser;
  const dom::object root = parse_body(parser, body, limits);
  detokenize_request r;
  bool has_tokens = false;
  for (dom::key_value_pair kv : root) {
    if (kv.key == "model") {
      if (!is_null(kv.value)) r.model = read_string(kv.value, kv.key);
    } else if (kv.key == "tokens") {
      const dom::array items = read_array(kv.value, kv.key);
      r.tokens.reserve(items.size());
      std::size_t i = 0;
      for (dom::element item : items) {
        r.tokens.push_back(static_cast<std::int32_t>(
            read_integer(item, index_path("tokens", i++), 0, std::numeric_limits<std::int32_t>::max())));
      }
      has_tokens = true;
    }
  }
  if (!has_tokens) reject("tokens is required", "tokens");
  return r;
}

template <class T, class F>
parse_result<T> guarded(F&& parse) {
  try {
    return parse();
  } catch (const request_error& e) {
    return e.error;
  } catch (const std::bad_alloc&) {
    return internal_error("out of memory while parsing the request");
  }
}

}  // namespace

parse_result<tokenize_request> parse_tokenize_request(std::string_view body, const request_limits& limits) {
  return guarded<tokenize_request>([&] { return parse_tokenize(body, limits); });
}

parse_result<detokenize_request> parse_detokenize_request(std::string_view body, const request_limits& limits) {
  return guarded<detokenize_request>([&] { return parse_detokenize(body, limits); });
}

}  // namespace moeserve::net
