#pragma once
// completion_response: the body of a non-streamed POST /v1/completions answer.
//
//   {"id":"cmpl-…","object":"text_completion","created":1700000000,"model":"m",
//    "choices":[{"index":0,"text":"…","logprobs":null,"finish_reason":"length"}],
//    "usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21,
//             "prompt_tokens_details":{"cached_tokens":0}}}
//
// logprobs is null unless the request asked for them; then it is the completions shape of
// logprobs.hpp over the choice's tokens (the prompt's first, under echo).
#include <optional>
#include <string>
#include <vector>

#include "net/logprobs.hpp"
#include "net/response_parts.hpp"

namespace moeserve::net {

struct completion_choice {
  int index = 0;
  std::string text;  // the prompt's text first, under echo
  std::optional<std::vector<token_logprob>> logprobs;
  finish_reason finish = finish_reason::stop;
};

struct completion_response {
  response_header header;
  std::vector<completion_choice> choices;  // in index order
  usage_info usage;
};

std::string to_json(const completion_response& response);

}  // namespace moeserve::net
