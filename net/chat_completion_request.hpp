#pragma once
// chat_completion_request: a POST /v1/chat/completions body, parsed and validated.
//
//   messages, tools, add_generation_prompt, chat_template_kwargs
//                  read into `chat`, the model::chat_request the tokenizer stage renders
//                  (chat_request_reader.hpp lists their forms; chat_template is refused)
//   logprobs       bool | null              return the sampled tokens' logprobs
//   top_logprobs   int 0..max_logprobs | null
//                                           alternatives per token; above 0 only with
//                                           logprobs: true (as OpenAI and vLLM require)
//
// plus the shared parameters of generation_request.hpp (max_completion_tokens included).
// generation_request::logprobs is top_logprobs (0 when not given) when logprobs is true.
#include <string_view>

#include "model/chat/chat_context.hpp"
#include "net/generation_request.hpp"
#include "net/parse_result.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

struct chat_completion_request : generation_request {
  model::chat_request chat;
};

// Pure: the same body gives the same request or the same error. Errors: 413 (body over the
// limit), else 400 naming the parameter at fault.
parse_result<chat_completion_request> parse_chat_completion_request(std::string_view body,
                                                                    const request_limits& limits = {});

}  // namespace moeserve::net
