#pragma once
// chat_completion_response: the body of a non-streamed POST /v1/chat/completions answer.
//
//   {"id":"chatcmpl-…","object":"chat.completion","created":1700000000,"model":"m",
//    "choices":[{"index":0,"message":{"role":"assistant","content":"…"},
//                "logprobs":null,"finish_reason":"stop"}],
//    "usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,
//             "prompt_tokens_details":{"cached_tokens":0}}}
//
// logprobs is null unless the request asked for them; then it is the chat shape of
// logprobs.hpp over the choice's tokens.
#include <optional>
#include <string>
#include <vector>

#include "net/logprobs.hpp"
#include "net/response_parts.hpp"

namespace moeserve::net {

struct chat_choice {
  int index = 0;
  std::string content;
  std::optional<std::vector<token_logprob>> logprobs;
  finish_reason finish = finish_reason::stop;
};

struct chat_completion_response {
  response_header header;
  std::vector<chat_choice> choices;  // in index order
  usage_info usage;
};

std::string to_json(const chat_completion_response& response);

}  // namespace moeserve::net
