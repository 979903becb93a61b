#pragma once
// completion_request: a POST /v1/completions body, parsed and validated.
//
//   prompt     string                   one text prompt
//              [string, ...]            a batch of text prompts (1..max_prompts)
//              [int, ...]               one prompt as token ids (non-empty)
//              [[int, ...], ...]        a batch of token-id prompts (each non-empty)
//              required; ids in [0, 2^31 - 1] (the vocabulary check comes later)
//   echo       bool | null              the prompt's text (and, with logprobs, its tokens'
//                                       logprobs) precedes the generated text
//   logprobs   int 0..max_logprobs | null
//                                       the sampled token's logprob and that many alternatives
//
// plus the shared parameters of generation_request.hpp. Each prompt gets n choices, numbered
// prompt_index * n + i (as OpenAI and vLLM number them).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/generation_request.hpp"
#include "net/parse_result.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

// A text prompt or a prompt given as token ids.
using prompt_input = std::variant<std::string, std::vector<std::int32_t>>;

struct completion_request : generation_request {
  std::vector<prompt_input> prompts;  // at least one
  bool echo = false;
};

// Pure: the same body gives the same request or the same error. Errors: 413 (body over the
// limit), else 400 naming the parameter at fault.
parse_result<completion_request> parse_completion_request(std::string_view body, const request_limits& limits = {});

}  // namespace moeserve::net
