#pragma once
// logprobs: per-token log-probabilities, in the two shapes OpenAI's routes use.
//
//   chat         {"content":[{"token":"Hi","logprob":-0.1,"bytes":[72,105],
//                             "top_logprobs":[{"token":"Hi","logprob":-0.1,"bytes":[72,105]}, ...]},
//                            ...]}
//   completions  {"tokens":["Hi", ...],"token_logprobs":[-0.1, ...],
//                 "top_logprobs":[{"Hi":-0.1,"Hello":-2.3}, ...],"text_offset":[0, ...]}
//
// A token's text is its raw bytes, which may be part of a UTF-8 character: "bytes" carries
// them exactly, "token" (and a completions dict key) shows them with U+FFFD in place of
// the invalid part. Log-probabilities that are -inf or NaN are written as -9999.0 (vLLM's
// floor), since JSON has no infinity. A token without a logprob (the first prompt token
// under echo) has null in token_logprobs and top_logprobs. In a completions
// top_logprobs dict, an alternative whose text repeats an earlier one's is left out
// (JSON keys must be unique; the more likely one stays).
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/json_writer.hpp"

namespace moeserve::net {

struct top_logprob {
  std::string token;  // raw bytes of the token's text
  float logprob = 0.0f;
};

struct token_logprob {
  std::string token;             // raw bytes of the token's text
  std::optional<float> logprob;  // nullopt: none (the first prompt token under echo)
  std::vector<top_logprob> top;  // the most likely alternatives, most likely first
  std::int64_t text_offset = 0;  // completions: where the token's text starts in the choice's text
};

// The value of "logprobs" in a chat choice (or chunk) for these tokens.
void write_chat_logprobs(json_writer& w, std::span<const token_logprob> tokens);
// The value of "logprobs" in a completions choice (or chunk) for these tokens.
void write_completion_logprobs(json_writer& w, std::span<const token_logprob> tokens);

}  // namespace moeserve::net
