#pragma once
// The bodies of POST /tokenize and POST /detokenize, as vLLM has them:
//
//   /tokenize    {"model": string|null, "prompt": string, "add_special_tokens": bool|null,
//                 "return_token_strs": bool|null}
//             or {"model": ..., "messages": [...], "add_generation_prompt": bool|null,
//                 "tools": ..., "chat_template_kwargs": ..., "add_special_tokens": bool|null,
//                 "return_token_strs": bool|null}      (chat_template refused)
//                add_special_tokens defaults to true for a prompt and to false for messages
//                (the chat template writes the special tokens itself)
//   /detokenize  {"model": string|null, "tokens": [int, ...]}   ids in [0, 2^31 - 1]
//
// Exactly one of prompt and messages. Unknown keys are ignored.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/chat/chat_context.hpp"
#include "net/parse_result.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

struct tokenize_request {
  std::optional<std::string> model;
  std::variant<std::string, model::chat_request> input;  // the prompt, or the chat to render
  bool add_special_tokens = true;
  bool return_token_strs = false;
};

struct detokenize_request {
  std::optional<std::string> model;
  std::vector<std::int32_t> tokens;
};

// Pure; errors as the other parsers: 413 or 400 naming the parameter.
parse_result<tokenize_request> parse_tokenize_request(std::string_view body, const request_limits& limits = {});
parse_result<detokenize_request> parse_detokenize_request(std::string_view body, const request_limits& limits = {});

}  // namespace moeserve::net
